"""Rules of the GIFT parser (trainer.content.gift.parse_gift) that mutation testing found unguarded.

See tests/MUTANTS.md. Each case states the exact result, so a changed message, line, title or format shows.
"""

import hashlib

import pytest

from tests.unit.test_mutants_gift import refusal
from trainer.content.gift import (
    META,
    GiftItem,
    GiftOption,
    GiftSkip,
    GiftTooLarge,
    parse_gift,
    question_id,
    to_question,
)
from trainer.content.questions import MAX_PAIRS, NumericAnswer, Pair, Question

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
        # every text of the question is read in its format, the default one reducing HTML to its words
        ("<b>说明</b>文字", GiftItem(1, "", "说明文字", "description")),
        ("题 {=<b>甲</b> =乙}", GiftItem(1, "", "题", "fill", answers=("甲", "乙"))),
        ("题 {=<b>甲</b> -> 一 =乙 -> 二}",
         GiftItem(1, "", "题", "matching", pairs=(Pair("甲", "一"), Pair("乙", "二")))),
        ("题 {#3#<b>好</b>}", GiftItem(1, "", "题", "numerical", numeric=(NumericAnswer(3, feedback="好"),))),
        ("题 {#3 ~#<b>再想想</b>}",
         GiftItem(1, "", "题", "numerical", numeric=(NumericAnswer(3),), wrong_feedback="再想想")),
        # matching is cut at = only, and at the first -> of each pair: an X or a later -> is text
        ("题 {=X 光 -> 拍片 =B 超 -> 超声}", GiftItem(1, "", "题", "matching",
                                                  pairs=(Pair("X 光", "拍片"), Pair("B 超", "超声")))),
        ("题 {=甲 -> 乙 -> 丙 =丁 -> 戊}",
         GiftItem(1, "", "题", "matching", pairs=(Pair("甲", "乙 -> 丙"), Pair("丁", "戊")))),
        # numerical answers are cut at = only; the feedback for any other number is what follows ~#
        ("题 {#3#X 光}", GiftItem(1, "", "题", "numerical", numeric=(NumericAnswer(3, feedback="X 光"),))),
        ("题 {#3#~#再想想}", GiftItem(1, "", "题", "numerical", numeric=(NumericAnswer(3),), wrong_feedback="再想想")),
        # a range may be a single number; a tolerance follows the first : wherever it is
        ("题 {#3..3}", GiftItem(1, "", "题", "numerical", numeric=(NumericAnswer(low=3, high=3),))),
        ("题 {#5:1}", GiftItem(1, "", "题", "numerical", numeric=(NumericAnswer(5, tolerance=1),))),
        # general feedback follows the last ####, also inside a longer run of #
        ("题 {T#####反馈}", GiftItem(1, "", "题", general_feedback="反馈", **TRUE)),
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
        ("题 {=甲->一 =这一项写得很长很长很长很长很长很长很长没有箭头}",  # the item is quoted up to 20 characters
         "配对题的每一项都应写成 =左边 -> 右边（“这一项写得很长很长很长很长很长很长很长没”没有 ->）"),
        ("题 {=甲 =#只有反馈}", "有一个答案是空的"),  # a short answer that is only feedback
        ("::t::", "题干是空的"),  # a description needs text too
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


def test_rule_matching_takes_up_to_twelve_pairs():
    pairs = " ".join(f"=项{i} -> 答{i}" for i in range(MAX_PAIRS))
    (item,) = parse_gift(f"题 {{{pairs}}}").items
    assert item.pairs == tuple(Pair(f"项{i}", f"答{i}") for i in range(MAX_PAIRS))
    assert refusal(f"题 {{{pairs} =再一项 -> 多了}}") == (1, "配对题应有 2 到 12 组配对 (现有 13 组)")


# --- from GIFT to the platform's questions -----------------------------------------------------------


def stored(text: str) -> Question:
    (item,) = parse_gift(text).items
    return to_question(item, category="c", indicators=("i",), difficulty=2, source="f.gift")


def hashed(stem: str) -> str:
    return "gift-" + hashlib.sha1(stem.encode("utf-8")).hexdigest()[:12]


def test_rule_a_question_keeps_its_title_and_line_and_takes_the_form_defaults_for_the_rest():
    assert stored("\n\n::标题:: 题 {T}") == Question(
        id=hashed("题"), type="truefalse", category="c", difficulty=2, indicators=("i",), source="Moodle GIFT: f.gift",
        stem="题", explanation="导入自 Moodle GIFT 文件 f.gift", title="标题", answer=True, line=3)


@pytest.mark.parametrize(
    ("text", "options"),
    [
        # single choice: 0 and 100 are plain right and wrong; any other credit is kept, and any credit is right
        ("题 {=甲 ~乙}", ((True, None), (False, None))),
        ("题 {=甲 ~%50%乙 ~丙}", ((True, 100.0), (True, 50.0), (False, 0.0))),
        ("题 {=甲 ~%1%乙 ~丙}", ((True, 100.0), (True, 1.0), (False, 0.0))),
        # multiple choice is plain only as we write it: the right ones share 100 %, a wrong one takes -100 %
        ("题 {~%50%甲 ~%50%乙 ~%-100%丙}", ((True, None), (True, None), (False, None))),
        ("题 {~%60%甲 ~%40%乙}", ((True, 60.0), (True, 40.0))),
        ("题 {~%50.5%甲 ~%49.5%乙 ~%-100%丙}", ((True, 50.5), (True, 49.5), (False, -100.0))),
        ("题 {~%50%甲 ~%50%乙 ~丙}", ((True, 50.0), (True, 50.0), (False, 0.0))),  # a wrong one that costs nothing
        ("题 {" + " ".join(f"~%1%甲{i}" for i in range(100)) + " ~%-100%乙}", ((True, None),) * 100 + ((False, None),)),
    ],
)
def test_rule_credits_become_right_and_wrong_and_are_kept_where_plain_right_and_wrong_would_grade_otherwise(
        text, options):
    assert tuple((o.correct, o.weight) for o in stored(text).options) == options


@pytest.mark.parametrize(
    ("text", "explanation"),
    [
        ("题 {T}", "导入自 Moodle GIFT 文件 f.gift"),  # no feedback anywhere: where the question comes from
        ("题 {T####总的反馈}", "总的反馈"),
        ("题 {=甲#对 ~乙}", "对"),  # else the feedback of the first answer that earns credit
        ("题 {~乙#不对 =甲#对}", "对"),
        ("题 {~%1%甲#差不多 ~%99%乙#对}", "差不多"),
        ("题 {#=%50%25#差一点 =24#对}", "对"),  # a numerical answer only with full credit
        ("题 {#24#对}", "对"),
    ],
)
def test_rule_the_explanation_is_the_general_feedback_else_that_of_a_right_answer(text, explanation):
    assert stored(text).explanation == explanation


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("", hashed("题")),  # no title: from the question text
        ("第1题", hashed("题")),  # a title that is not ASCII: the same
        ("Q 1!", "gift-q-1"),  # what is not a letter or digit becomes one -, none at the ends
        ("gift-abc", "gift-abc"),  # the prefix is not doubled
        ("A" * 100, "gift-" + "a" * 75),  # 80 characters at most
    ],
)
def test_rule_an_imported_question_id_is_its_ascii_title_as_a_slug_else_a_hash_of_its_text(title, expected):
    assert question_id(GiftItem(1, title, "题", "truefalse")) == expected


# --- the @trainer line -------------------------------------------------------------------------------


KEY_POINTS = '[{"id": "k1", "label": "致歉", "phrases": ["抱歉"]}]'


def trainer_fields(meta: str, block: str = "{T}") -> dict:
    (item,) = parse_gift(f"{META} {meta}\n题 {block}").items
    return dict(item.meta)


@pytest.mark.parametrize(
    ("meta", "block", "fields"),
    [
        ('{"later": 1, "difficulty": 4}', "{T}", {"difficulty": 4}),  # a key from a later version is skipped
        ('{"difficulty": 5, "id": "' + "a" * 80 + '"}', "{T}", {"difficulty": 5, "id": "a" * 80}),  # the limits
        ('{"answer": false}', "{T}", {"answer": False}),
        ('{"answer": null}', "{=甲 ~乙}", {"answer": None}),
        ('{"word_limit": 300}', "{}", {"word_limit": 300}),
        ('{"word_limit": null}', "{}", {"word_limit": None}),
        ('{"pass_ratio": 0.1}', "{}", {"pass_ratio": 0.1}),
        ('{"pass_ratio": 1.0}', "{}", {"pass_ratio": 1.0}),
        ('{"pairs": [{"left": "甲", "right": "一"}, {"left": "", "right": "二"}]}', "{=甲 -> 一 =乙 -> 二}",
         {"pairs": (Pair("甲", "一"), Pair("", "二"))}),
        ('{"numeric": [{"value": 3, "tolerance": 0.5, "weight": 50, "feedback": "接近"}, {"low": 1, "high": 2}, '
         '{"value": 4}]}', "{#4}",
         {"numeric": (NumericAnswer(3, 0.5, weight=50, feedback="接近"), NumericAnswer(low=1, high=2),
                      NumericAnswer(4))}),
    ],
)
def test_rule_a_trainer_line_gives_its_checked_fields(meta, block, fields):
    assert trainer_fields(meta, block) == fields


@pytest.mark.parametrize(
    ("meta", "block", "reason"),
    [
        ("{not json", "{T}", "一行不是有效的 JSON"),
        ("[1]", "{T}", "一行应是一个 JSON 对象"),
        ('{"difficulty": 6}', "{T}", "一行的 difficulty 不对"),
        ('{"id": "' + "a" * 81 + '"}', "{T}", "一行的 id 不对"),
        ('{"pass_ratio": 1.5}', "{}", "一行的 pass_ratio 不对"),
        ('{"answer": "yes"}', "{T}", "一行的 answer 不对"),
        ('{"word_limit": "300"}', "{}", "一行的 word_limit 不对"),
        ('{"word_limit": true}', "{}", "一行的 word_limit 不对"),
        ('{"options": [{"text": "甲", "correct": true, "weight": Infinity}, {"text": "乙", "correct": false}]}',
         "{=甲 ~乙}", "一行的 options 不对"),
        ('{"options": [{"text": "甲", "correct": true, "weight": true}, {"text": "乙", "correct": false}]}',
         "{=甲 ~乙}", "一行的 options 不对"),
        ('{"pairs": [{"left": "甲"}]}', "{=甲 -> 一 =乙 -> 二}", "一行的 pairs 不对"),
        ('{"pairs": [{"left": "甲", "right": "一", "note": ""}]}', "{=甲 -> 一 =乙 -> 二}", "一行的 pairs 不对"),
        ('{"pairs": [{"left": 1, "right": "一"}]}', "{=甲 -> 一 =乙 -> 二}", "一行的 pairs 不对"),
        ('{"numeric": [{"low": 1}]}', "{#4}", "一行的 numeric 不对"),  # a range needs both ends
        ('{"numeric": [{"high": 2}]}', "{#4}", "一行的 numeric 不对"),
        ('{"numeric": [{}]}', "{#4}", "一行的 numeric 不对"),
        ('{"numeric": [{"value": 3, "note": ""}]}', "{#4}", "一行的 numeric 不对"),
        ('{"numeric": [{"value": 3, "tolerance": Infinity}]}', "{#4}", "一行的 numeric 不对"),
        ('{"numeric": [{"value": true}]}', "{#4}", "一行的 numeric 不对"),
        ('{"numeric": {"value": 3}}', "{#4}", "一行的 numeric 不对"),
        ('{"type": "single"}', "{T}", "一行的题型 single 与题目本身的题型 truefalse 不符"),
        # only the key-point types may be written as an essay
        ('{"type": "single"}', "{}", "一行的题型 single 与题目本身的题型 essay 不符"),
        ('{"type": "short", "key_points": ' + KEY_POINTS + "}", "{T}",
         "一行的题型 short 与题目本身的题型 truefalse 不符"),
        ('{"type": "short"}', "{}", "一行说是简答题 (short)，却没有评分要点 key_points"),
        ('{"type": "reply"}', "{}", "一行说是话术题 (reply)，却没有话术类型 script"),
    ],
)
def test_rule_a_bad_trainer_line_alone_makes_the_file_unreadable_with_its_reason(meta, block, reason):
    """The @trainer line is line 1, its question starts on line 2: the question is reported there."""
    assert refusal(f"{META} {meta}\n题 {block}") == (2, f"“{META}”{reason}")
