"""Rules of the GIFT parser (trainer.content.gift.parse_gift) that mutation testing found unguarded.

See tests/MUTANTS.md. Each case states the exact result, so a changed message, line, title or format shows.
"""

import pytest

from tests.unit.test_mutants_gift import refusal
from trainer.content.gift import GiftItem, GiftOption, GiftSkip, GiftTooLarge, parse_gift
from trainer.content.questions import Pair

TRUE = {"type": "truefalse", "answer": True}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # no [format]: Moodle's default format, whose HTML is reduced to its words (stem, answers, feedback)
        ("<b>题</b> {T}", GiftItem(1, "", "题", **TRUE)),
        ("题 {=<b>甲</b> ~乙}", GiftItem(1, "", "题", "single", options=(GiftOption("甲", 100), GiftOption("乙", 0)))),
        ("题 {T####<b>好的</b>}", GiftItem(1, "", "题", general_feedback="好的", **TRUE)),
        # a stem that merely starts with X keeps it (only a byte order mark is dropped from the file's start)
        ("XML 是什么？ {T}", GiftItem(1, "", "XML 是什么？", **TRUE)),
        ("\ufeff::t:: 题 {T}", GiftItem(1, "t", "题", **TRUE)),
        # an escaped brace is text, and the one after it opens the answers
        ("价格 \\{{=十}", GiftItem(1, "", "价格 {", "fill", answers=("十",))),
        # the answer block closes at the first } after its {; a } before it is stem text
        ("题 }{T}", GiftItem(1, "", "题 }", **TRUE)),
        # what an earlier version skipped: a description, an essay, matching with extra answers only on the left
        ("题目说明", GiftItem(1, "", "题目说明", "description")),
        ("题 {####说明}", GiftItem(1, "", "题", "essay", general_feedback="说明")),
        ("题 {=甲->一 =乙->二 =->三}", GiftItem(1, "", "题", "matching",
                                              pairs=(Pair("甲", "一"), Pair("乙", "二"), Pair("", "三")))),
        # the text before the first mark is an answer too: a choice for a choice question, accepted for a short one
        ("题 {前言 =甲 ~乙}", GiftItem(1, "", "题", "single", options=(
            GiftOption("前言", 0), GiftOption("甲", 100), GiftOption("乙", 0)))),
        ("题 {前言 =甲}", GiftItem(1, "", "题", "fill", answers=("前言", "甲"))),
        # two = with a ~: one single choice with two full-credit answers
        ("题 {=甲 =乙 ~丙}", GiftItem(1, "", "题", "single", options=(
            GiftOption("甲", 100), GiftOption("乙", 100), GiftOption("丙", 0)))),
        # no =: multiple choice, even with a single right choice
        ("题 {~%100%甲 ~乙}", GiftItem(1, "", "题", "multiple", options=(GiftOption("甲", 100), GiftOption("乙", 0)))),
    ],
)
def test_rule_a_question_parses_to_exactly_its_item(text, expected):
    assert parse_gift(text).items == [expected]
    assert parse_gift(text).skipped == []


@pytest.mark.parametrize(
    ("text", "title", "stem"),
    [
        ("  ::t:: 题 {T}", "t", "题"),  # an indented title is still a title
        ("::::题 {T}", "", "题"),  # an empty title is well-formed
        ("::第一\n  第二:: 题 {T}", "第一\n  第二", "题"),  # a title is kept as written, only its ends trimmed
    ],
)
def test_rule_a_title_is_what_stands_between_the_two_double_colons(text, title, stem):
    assert parse_gift(text).items == [GiftItem(1, title, stem, **TRUE)]


def test_rule_a_title_without_its_closing_colons_skips_that_question_only():
    result = parse_gift("::abc 题 {T}\n\n题 {F}")
    assert result.items == [GiftItem(3, "", "题", "truefalse", answer=False)]
    assert result.skipped == [GiftSkip(1, "", "标题缺少结尾的 ::")]


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("~%50%甲 ~%49.5%乙", (50.0, 49.5)),  # half a percent off 100 is still accepted
        ("~%50%甲 ~%49%乙 ~%1%丙", (50.0, 49.0, 1.0)),  # a 1 % option counts towards the 100 %
    ],
)
def test_rule_multiple_choice_weights_add_up_to_100_within_half_a_percent(block, expected):
    (item,) = parse_gift(f"题 {{{block}}}").items
    assert (item.type, tuple(o.weight for o in item.options)) == ("multiple", expected)


@pytest.mark.parametrize(
    "text",
    ["题一 {T}\r\n\r\n题二 {F}", "题一 {T}\r\r题二 {F}", "题一 {T}\n\n题二 {F}"],
)
def test_rule_windows_and_old_mac_line_endings_read_like_unix_ones(text):
    assert parse_gift(text).items == [
        GiftItem(1, "", "题一", **TRUE), GiftItem(3, "", "题二", "truefalse", answer=False)]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("$CATEGORY: 甲\n\n题 {T}", 3),  # a category block on its own
        ("  $CATEGORY: 甲\n\n题 {T}", 3),  # indented
        ("$CATEGORY: 甲\n题 {T}", 2),  # the question right under the category line, in the same block
    ],
)
def test_rule_a_category_line_sets_the_category_of_the_questions_after_it(text, line):
    result = parse_gift(text)
    assert result.items == [GiftItem(line, "", "题", category="甲", **TRUE)]
    assert result.skipped == []


def test_rule_a_file_over_the_question_limit_is_refused_where_the_extra_question_starts():
    """Skipped questions count towards the limit, and the limit itself is allowed."""
    assert len(parse_gift("题 {T}{F}\n\n题 {T}", max_questions=2).skipped) == 1
    with pytest.raises(GiftTooLarge) as raised:
        parse_gift("题 {T}{F}\n\n题 {T}", max_questions=1)
    assert raised.value.line == 3
    assert str(raised.value) == ("文件里的题目超过单次导入上限 1 道（第 3 行是第 2 道），没有导入任何题目。"
                                 "请把文件拆成几个较小的文件分别导入。")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("::abc 题 {T}", "标题缺少结尾的 ::"),
        ("题 }", "有右括号 } 却没有左括号 {"),
        ("} 题", "有右括号 } 却没有左括号 {"),
        ("{T}", "题干是空的"),
        ("::t::{T}", "题干是空的"),
        ("题 {=甲 { ~乙}", "答案部分里有未转义的 {"),
        ("题 {{=甲 ~乙}", "答案部分里有未转义的 {"),
        ("题 {=%50%甲}", "简答题没有满分答案"),
        ("题 {~甲}", "选择题至少要有两个选项"),
        ("题 {~%50%甲 ~%49%乙}", "多选题各正确选项的得分比例加起来应为 100%"),
        ("题 {~%50%甲 ~乙}", "多选题各正确选项的得分比例加起来应为 100%"),  # a 0 % option is not a right one
        ("题 {=甲->一}", "配对题应有 2 到 12 组配对 (现有 1 组)"),
        ("题 {=->甲 =->乙}", "配对题应有 2 到 12 组配对 (现有 0 组)"),  # extra answers are no pairs
        ("题 {=甲->一 =乙}", "配对题的每一项都应写成 =左边 -> 右边（“乙”没有 ->）"),
        ("题 {=甲->一 =甲->二}", "配对题的左侧项目重复"),
        ("题 {=甲->一 =乙-> }", "配对题有一项的右边是空的"),
    ],
)
def test_rule_a_malformed_question_alone_makes_the_file_unreadable_with_its_reason(text, reason):
    assert refusal(text) == (1, reason)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("题 {T} 再 {F}", "一道题只能有一个答案部分 { }（完形填空 cloze 请用 Moodle 的嵌入式题型）"),
        ("题 {T}{F}", "一道题只能有一个答案部分 { }（完形填空 cloze 请用 Moodle 的嵌入式题型）"),
    ],
)
def test_rule_an_unsupported_question_is_skipped_with_its_reason_without_refusing_the_file(text, reason):
    result = parse_gift(text)
    assert (result.items, result.skipped) == ([], [GiftSkip(1, "", reason)])
