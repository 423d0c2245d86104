"""Rules of trainer.scoring.relevance that mutation testing found unguarded (see tests/MUTANTS.md)."""

import pytest

from trainer.scoring.relevance import asks_off_domain, similarity
from trainer.scoring.settings import Vocabulary


@pytest.fixture
def stopwords(rules):
    return rules.scoring.grade.stopwords


def test_rule_with_nothing_to_compare_with_even_an_empty_reply_is_relevant(stopwords):
    assert similarity("", ["  ", ""], stopwords) == 1.0  # blank references are no references
    assert similarity("", ["楼上漏水"], stopwords) == 0.0


def test_rule_references_of_only_stopwords_leave_nothing_to_compare_with(stopwords):
    assert similarity("维修", ["您好，我们"], stopwords) == 1.0


def test_rule_a_word_belongs_when_its_plain_ratio_to_a_reference_word_is_at_least_66(stopwords):
    assert similarity("服务", ["服务中心"], stopwords) == 1.0  # ratio 66.7: 上门 meets 上门查看
    # a short word inside a long one is not near it (a partial match would say 90)
    assert similarity("人民", ["中华人民共和国"], stopwords) == 0.0  # one jieba word, ratio 44


ORDER = Vocabulary("order", "订单信息", "ecommerce", ("订单…号",), "ask")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("请问订单上写的那个编号是多少？", "订单上写的那个编号"),  # … spans up to six characters
        ("请问订单上面写的那个编号是多少？", None),  # not seven
    ],
    ids=["six", "seven"],
)
def test_rule_a_vocabulary_phrase_with_a_gap_spans_at_most_six_characters(rules, text, said):
    off = asks_off_domain(text, "property", [ORDER], rules.scoring.grade.markers)
    assert (off.said if off else None) == said


def test_rule_a_phrase_that_matches_no_character_is_no_question_for_anything(rules):
    empty = Vocabulary("nothing", "空", "ecommerce", ("",), "ask")
    assert asks_off_domain("请问是多少？", "property", [empty], rules.scoring.grade.markers) is None
