"""Rules of trainer.scoring.acts and normalize that mutation testing found unguarded (see tests/MUTANTS.md)."""

from dataclasses import replace

import pytest

from trainer.scoring.acts import clause_span, is_question, performs, sentence_span
from trainer.scoring.normalize import normalize

TEXT = "好的,请问您家几栋?我们马上来."


def test_rule_a_clause_runs_between_clause_breaks_and_leaves_them_out():
    at = TEXT.index("几栋")
    assert clause_span(TEXT, at, at + 2) == (3, 9)  # 请问您家几栋
    at = TEXT.index("马上")
    assert clause_span(TEXT, at, at + 2) == (10, 15)  # 我们马上来
    assert clause_span("ab,cd", 4, 5) == (3, 5)
    assert clause_span("abcd", 1, 2) == (0, 4)


def test_rule_a_sentence_runs_from_the_last_sentence_end_and_keeps_its_own_mark():
    at = TEXT.index("几栋")
    assert sentence_span(TEXT, at, at + 2) == (0, 10)  # 好的,请问您家几栋?
    at = TEXT.index("马上")
    assert sentence_span(TEXT, at, at + 2) == (10, 16)  # 我们马上来.
    assert sentence_span("abcd", 2, 3) == (0, 4)
    assert sentence_span("a.bcd", 3, 4) == (2, 5)


def test_rule_a_question_mark_alone_makes_a_question(rules):
    markers = rules.scoring.grade.markers
    assert is_question("您的房号?", markers)
    assert not is_question("您的房号", markers)


@pytest.mark.parametrize(("start", "expected"), [(0, (0, 0)), (1, (2, 2)), (2, (3, 3)), (3, (4, 4))])
def test_rule_an_empty_span_maps_to_the_position_it_stands_at(start, expected):
    norm = normalize("您 好！")  # 您好!: the space is dropped, so 好 is at 2 in the original
    assert norm.text == "您好!"
    assert norm.original_span(start, start) == expected
    assert norm.original_span(1, 2) == (2, 3)


def does(rules, act, text, word, needs=None):
    at = text.index(word)
    return performs(act, text, at, at + len(word), rules.scoring.grade.markers, needs=needs)


@pytest.mark.parametrize(
    ("text", "acknowledged"),
    [
        ("非常抱歉,我们马上派人.", True),
        ("非常抱歉.我们马上派人.", True),  # empathy in the sentence before
        ("我们马上派人.非常抱歉.", True),  # or after
        ("非常抱歉.好的.我们马上派人.", False),  # two sentences away is too far
        ("我们马上派人.好的.非常抱歉.", False),
        ("我们马上派人.", False),
        ("好的.我们马上派人", False),
        ("我们马上派人.好的", False),
    ],
)
def test_rule_an_acknowledgement_may_stand_in_the_sentence_next_to_the_words(rules, text, acknowledged):
    assert does(rules, "acknowledge", text, "派人") is acknowledged


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("好的,您的房号?", True),  # the words' clause ends the question
        ("您的房号,?", True),
        ("您的房号,好?", False),  # another clause ends it
        ("您家房号是,3栋吗?", False),
        ("您的房号记下了.", False),
    ],
)
def test_rule_words_are_asked_when_their_clause_ends_a_question_and_stated_otherwise(rules, text, asked):
    assert does(rules, "ask", text, "房号") is asked
    assert does(rules, "state", text, "房号") is not asked


def test_rule_a_point_that_needs_a_time_is_not_done_without_one(rules):
    assert not does(rules, "state", "师傅尽快上门.", "上门", needs="time")
    assert does(rules, "state", "师傅30分钟内上门.", "上门", needs="time")


def test_rule_an_unknown_act_is_an_error_naming_it(rules):
    with pytest.raises(ValueError) as raised:
        does(rules, "dance", "好的", "好的")
    assert str(raised.value) == "unknown act 'dance'"


def test_rule_words_that_hold_a_question_mark_are_asked_not_stated(rules):
    # a key point's words may end with the mark ("几栋?"): the clause around them then holds it
    assert does(rules, "state", "您家几栋?好的", "几栋?") is False
    assert does(rules, "ask", "您家几栋?好的", "几栋?") is True
    assert does(rules, "state", "您家几栋,好的", "几栋") is True


def test_rule_a_marker_may_start_with_the_mark_that_opens_the_text(rules):
    """The sentence before the words' own runs from the first character of the text, its marks included."""
    markers = replace(rules.scoring.grade.markers, acknowledge=("!对不起",))
    text = normalize("！对不起，我们马上派人。").text
    at = text.index("派人")
    assert performs("acknowledge", text, at, at + 2, markers) is True
    text = normalize("对不起，我们马上派人。").text
    at = text.index("派人")
    assert performs("acknowledge", text, at, at + 2, markers) is False


def test_rule_an_acknowledgement_before_a_doubled_sentence_mark_is_still_next_to_the_words(rules):
    assert does(rules, "acknowledge", normalize("真的很抱歉！！我们马上派人。").text, "派人") is True
    assert does(rules, "acknowledge", normalize("我们马上派人。。真的很抱歉。").text, "派人") is True
