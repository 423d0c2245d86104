"""Rules of trainer.scoring.form and relevance that mutation testing found unguarded (see tests/MUTANTS.md)."""

from dataclasses import replace

import pytest

from trainer.scoring.form import is_fragment_list, length_penalty, repeats
from trainer.scoring.relevance import asks_off_domain, similarity


@pytest.fixture
def form(rules):
    settings = rules.scoring.grade.form
    assert settings.length_bands["phone"] == (90, 160) and settings.length_bands["default"] == (160, 320)
    assert (settings.length_penalty, settings.length_max_penalty) == (4.0, 40.0)
    return settings


@pytest.mark.parametrize(
    ("length", "channel", "penalty"),
    [
        (90, "phone", 0.0),  # up to the band's first figure costs nothing
        (91, "phone", 0.4),  # then 4 points per 10 characters over it
        (125, "phone", 14.0),
        (160, "phone", 28.0),  # at the band's second figure still by the characters
        (161, "phone", 40.0),  # beyond it the most the length can cost
        (200, "fax", 16.0),  # a channel without a band is judged as "default"
    ],
)
def test_rule_a_reply_longer_than_its_channel_allows_costs_points_by_how_much(form, length, channel, penalty):
    result = length_penalty("好" * length, channel, form)
    assert result[:2] == (penalty, length)


def test_rule_a_repeat_is_an_earlier_reply_at_least_as_similar_as_the_setting(form):
    assert form.repeat_similarity == 85.0
    assert repeats("我们马上处理", ["别的话", "我们马上处理"], form) == "我们马上处理"
    assert repeats("好的谢谢", ["好的谢谢"], form) == "好的谢谢"  # four characters are enough to repeat
    assert repeats("好的", ["好的"], form) is None  # a short reply may recur
    # 17 of 20 characters in common: a ratio of exactly 85 is still a repeat
    mine, theirs = "一二三四五六七八九十甲乙丙丁戊己庚辛壬癸", "一二三四五六七八九十甲乙丙丁戊己庚天地人"
    assert repeats(mine, [theirs], form) == theirs
    assert repeats(mine, ["一二三四五六七八九十甲乙丙丁戊己春夏秋冬"], form) is None


def test_rule_relevance_is_the_share_of_the_replys_words_found_in_the_references(rules):
    stopwords = rules.scoring.grade.stopwords
    assert similarity("维修师傅马上上门", [], stopwords) == 1.0  # nothing to compare with
    assert similarity("维修师傅马上上门", ["", "  "], stopwords) == 1.0
    assert similarity("", ["楼上漏水"], stopwords) == 0.0
    share = similarity("维修师傅上门，今天天气很好", ["楼上漏水，请派维修师傅上门查看"], stopwords)
    assert 0 < share < 1
    assert similarity("维修师傅上门", ["楼上漏水，请派维修师傅上门查看"], stopwords) == 1.0


@pytest.mark.parametrize(
    ("text", "domain", "said"),
    [
        ("请问您的订单号是多少?", "property", "订单号"),  # an ecommerce question in property
        ("请问您的订单号是多少?", "ecommerce", None),  # its own domain
        ("请问您的联系电话是多少?", "property", None),  # "any" vocabularies belong everywhere
        ("您的订单号我们查到了。", "property", None),  # mentioned, not asked
        ("请问您的订单号是多少?", None, None),  # the domain is not known
        ("请问您 户号 是多少?", "ecommerce", "户号"),
    ],
)
def test_rule_asking_for_another_domains_data_is_off_domain(rules, text, domain, said):
    off = asks_off_domain(text, domain, rules.vocabularies, rules.scoring.grade.markers)
    assert (off.said if off else None) == said


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("抱歉 放心 房号 电话", True),  # four bare words are a keyword list
        ("抱歉 放心 房号", False),  # three are too few to say
        ("抱歉放心好好 房号电话好好 马上处理好好 立刻处理好好", False),  # pieces of 6 on average are phrases
        ("抱歉放心好 房号电话好 马上处理好 立刻处理好", True),  # 5 on average still words
        ("抱 放 房 一二三四五六七八九十一二三四五六", False),  # one piece over 15 is a sentence
        ("抱 放 房 一二三四五六七八九十一二三四五", True),
        ("抱歉 我们 房号 电话", True),  # one piece of four with a function word
        ("抱歉 我们 房号 我的", False),  # half of them
        ("抱歉 我们 房号 电话 马上", True),
        ("抱歉 我们 房号 我的 马上", True),  # two of five
        ("抱歉 放心 房号 电话 1 2 3 4 5", True),  # spaces between digits are typography
    ],
)
def test_rule_a_reply_of_mostly_bare_short_words_is_a_keyword_list(form, text, fragments):
    assert (form.fragment_min_pieces, form.fragment_max_piece) == (4, 5)
    assert is_fragment_list(text, form) is fragments


def test_rule_the_length_penalty_is_given_to_one_decimal(form):
    finer = replace(form, length_penalty=4.44)  # scoring.yaml may give any number of points per 10 characters
    assert length_penalty("好" * 91, "phone", finer) == (0.4, 91, (90, 160))
    assert length_penalty("好" * 100, "phone", finer) == (4.4, 100, (90, 160))
