"""GIFT read as Moodle reads it (question/format/gift/format.php, https://docs.moodle.org/en/GIFT_format),
one rule a test, and our export read back as exactly the questions it was written from.

Where Moodle's reading is surprising the test name says so: Moodle decides the type from the answer block
in a fixed order (empty, `#`, any `~`, `=` with `->`, `T`/`F`, else short answer), and so do we.
"""

from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import ROOT
from trainer.content.gift import (
    META,
    GiftOption,
    GiftTooLarge,
    GiftUnreadable,
    parse_gift,
    question_to_gift,
    to_gift,
    to_question,
)
from trainer.content.questions import NumericAnswer, Option, Pair, Question, load_bank
from trainer.scoring.keypoints import KeyPoint

GOOD = "\n\n::ok:: 保底的一道题 {T}"  # one readable question keeps a file with a broken one readable


def only(text: str):
    result = parse_gift(text)
    assert result.skipped == [], result.skipped
    (item,) = result.items
    return item


def reported(text: str):
    """The one skip of `text` followed by a good question, which still imports."""
    result = parse_gift(text + GOOD)
    assert [i.title for i in result.items] == ["ok"]
    (skip,) = result.skipped
    return skip


def question(kind: str, **fields) -> Question:
    base = {"id": "q-1", "type": kind, "category": "phone", "difficulty": 3, "indicators": ("communication",),
            "source": "自编", "stem": "题干", "explanation": "解析"}
    return Question(**(base | fields))


def back(text: str) -> Question:
    """The question `text` stands for, with defaults no @trainer field should leave standing."""
    (item,) = parse_gift(text).items
    return to_question(item, category="other", indicators=("other",), difficulty=5, source="f.gift")


def without_meta(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not line.startswith(META))


def same(a: Question, b: Question) -> bool:
    return replace(a, path="", line=0) == replace(b, path="", line=0)


# --- short answer and choice -------------------------------------------------------------------------


def test_several_equals_without_a_tilde_are_one_short_answer_accepting_each():
    item = only("四季是什么？ {=春 =夏 =秋 =冬}")
    assert (item.type, item.answers) == ("fill", ("春", "夏", "秋", "冬"))


def test_several_equals_with_a_tilde_are_one_single_choice_where_each_equals_earns_full_credit():
    """Moodle makes `{=a =b ~c}` a one-answer (radio) question in which either a or b is fully right."""
    item = only(r"Specify the seasons\: { = spring = summer = winter = autumn ~ easter }")
    assert item.stem == "Specify the seasons:" and item.type == "single"
    assert [(o.text, o.weight) for o in item.options] == [
        ("spring", 100), ("summer", 100), ("winter", 100), ("autumn", 100), ("easter", 0)]
    stored = to_question(item, category="c", indicators=("i",), difficulty=1, source="s")
    assert [o.correct for o in stored.options] == [True, True, True, True, False]


def test_an_equals_answer_of_a_choice_takes_no_percentage_as_in_moodle():
    item = only("哪句对？ {=%50%的业主 ~没有业主}")
    assert item.options == (GiftOption("%50%的业主", 100), GiftOption("没有业主", 0))


def test_a_choice_without_equals_is_multiple_choice_whose_credits_add_up_to_100():
    item = only("哪些是忌语？ {~%50%不知道 ~%50%不归我管 ~%-100%请稍等}")
    assert item.type == "multiple" and [o.weight for o in item.options] == [50, 50, -100]
    assert "100%" in reported("哪些？ {~%50%甲 ~%20%乙 ~丙}").reason


def test_an_arrow_inside_the_answers_of_a_choice_question_is_not_matching():
    item = only("流程是？ {=受理 -> 派单 ~派单 -> 受理}")
    assert item.type == "single" and [o.text for o in item.options] == ["受理 -> 派单", "派单 -> 受理"]


def test_a_short_answer_without_equals_is_that_one_accepted_answer():
    item = only("水管爆裂属于 {紧急} 报修。")
    assert (item.type, item.stem, item.answers) == ("fill", "水管爆裂属于 ____ 报修。", ("紧急",))


def test_true_false_keywords_are_upper_case_only_as_in_moodle():
    assert only("可以摔电话。 {FALSE}").answer is False
    assert (only("可以摔电话。 {false}").type, only("可以摔电话。 {false}").answers) == ("fill", ("false",))


def test_general_feedback_follows_the_last_four_hashes():
    item = only("题 {=甲#对 ####也许 ~乙 ####总评}")
    assert item.general_feedback == "总评" and item.options[0].feedback == "对 ####也许"


# --- matching ----------------------------------------------------------------------------------------


def test_matching_pairs_every_equals_left_arrow_right_and_an_empty_left_is_an_extra_answer():
    item = only("配对。 {\n=等一会 -> 请稍等\n=不知道 -> 我帮您查一下\n=不行 -> 我们想想办法\n= -> 自己看着办\n}")
    assert item.type == "matching"
    assert item.pairs == (Pair("等一会", "请稍等"), Pair("不知道", "我帮您查一下"), Pair("不行", "我们想想办法"),
                          Pair("", "自己看着办"))


def test_matching_reads_no_credit_or_feedback_inside_a_pair_as_in_moodle():
    item = only("配对。 {=%50%甲 -> 一#二 =乙 -> 三}")
    assert item.pairs == (Pair("%50%甲", "一#二"), Pair("乙", "三"))


def test_matching_with_one_pair_is_reported_with_its_line_and_the_rest_imports():
    skip = reported("\n::m:: 配对。 {=水管爆裂 -> 紧急}")
    assert (skip.line, skip.title, skip.reason) == (2, "m", "配对题应有 2 到 12 组配对 (现有 1 组)")


def test_matching_needs_every_answer_written_left_arrow_right():
    assert "没有 ->" in reported("配对。 {=甲 -> 一 =乙}").reason


# --- numerical ---------------------------------------------------------------------------------------


def test_numerical_is_its_own_type_with_an_exact_value_and_tolerance():
    item = only("圆周率？ {#3.1415:0.0005}")
    assert (item.type, item.numeric, item.answers) == ("numerical", (NumericAnswer(3.1415, 0.0005),), ())


def test_numerical_range_is_kept_as_a_range():
    assert only("圆周率？ {#3.141..3.142}").numeric == (NumericAnswer(low=3.141, high=3.142),)


def test_numerical_answers_each_have_their_own_credit_tolerance_and_feedback():
    item = only("格兰特哪年出生？ {# =1822:0 #对 =%50%1822:2 #差一点}")
    assert item.numeric == (NumericAnswer(1822, 0, weight=100, feedback="对"),
                            NumericAnswer(1822, 2, weight=50, feedback="差一点"))


def test_numerical_feedback_for_any_other_number_follows_a_tilde():
    item = only("回访时限？ {#\n=24#对\n~#请回顾回访时限\n####解决后 24 小时内}")
    assert (item.numeric, item.wrong_feedback, item.general_feedback) == (
        (NumericAnswer(24, feedback="对"),), "请回顾回访时限", "解决后 24 小时内")


@pytest.mark.parametrize(("block", "reason"), [
    ("#二十四", "数值题的答案“二十四”不是数字"),
    ("#24:-1", "数值题的误差 -1 不能小于 0"),
    ("#48..12", "数值范围的下限 48 大于上限 12"),
    ("#=%50%24", "数值题没有满分答案"),
])
def test_a_bad_numerical_question_is_reported_with_its_line_and_the_rest_imports(block, reason):
    skip = reported(f"::n:: 几小时？ {{{block}}}")
    assert (skip.line, skip.title, skip.reason) == (1, "n", reason)


# --- essay and description ---------------------------------------------------------------------------


def test_empty_braces_are_an_essay_and_so_is_general_feedback_alone():
    assert only("写一段安抚话术。 {}").type == "essay"
    item = only("写一段安抚话术。 {####看是否先致歉}")
    assert (item.type, item.general_feedback) == ("essay", "看是否先致歉")


def test_text_without_braces_is_a_description_with_only_a_stem():
    item = only("::intro:: 以下题目考查报修受理。")
    assert (item.type, item.title, item.stem) == ("description", "intro", "以下题目考查报修受理。")
    stored = to_question(item, category="repair", indicators=("communication",), difficulty=4, source="f")
    assert (stored.difficulty, stored.indicators, stored.explanation) == (1, (), "")


# --- text: formats, lines, escapes, comments ---------------------------------------------------------


@pytest.mark.parametrize(("text", "stem"), [
    ("[html]<p>先<b>致歉</b>&amp;安抚</p> {T}", "先致歉&安抚"),
    ("[moodle]先<b>致歉</b> {T}", "先致歉"),
    ("[markdown]**先致歉** {T}", "**先致歉**"),
    ("[plain]<b>原样</b> {T}", "<b>原样</b>"),
    ("[HTML]大写不是格式名 {T}", "[HTML]大写不是格式名"),  # Moodle compares format names as written
])
def test_formats_are_read_as_plain_text(text, stem):
    assert only(text).stem == stem


def test_an_answer_or_a_feedback_may_name_its_own_format():
    item = only("[html]题 {=[plain]<b>甲</b>#<i>好</i> ~乙}")
    assert item.options[0] == GiftOption("<b>甲</b>", 100, "好")


def test_questions_answers_and_feedback_may_span_several_lines():
    item = only("::多行::\n第一行题干\n第二行题干 {\n=对的\n答案 # 反馈\n也两行\n~错的\n####总评\n两行\n}")
    assert item.stem == "第一行题干\n第二行题干" and item.general_feedback == "总评\n两行"
    assert item.options[0] == GiftOption("对的\n答案", 100, "反馈\n也两行")


def test_escapes_work_in_titles_stems_answers_and_feedback():
    item = only(r"::a\:b\{c\}:: 符号 \~ \= \# \{ \} \: \\ 和\n换行 {=甲\=乙 # 反\#馈\~ ~丙\{丁\} ####总\:评}")
    assert item.title == "a:b{c}"
    assert item.stem == "符号 ~ = # { } : \\ 和\n换行"
    assert item.options == (GiftOption("甲=乙", 100, "反#馈~"), GiftOption("丙{丁}", 0))
    assert item.general_feedback == "总:评"
    assert only(r"配对 {=a\=b -> c\~d =e -> f\#g}").pairs == (Pair("a=b", "c~d"), Pair("e", "f#g"))


def test_comment_lines_are_dropped_anywhere_and_a_double_slash_inside_a_line_is_text():
    item = only("// 开头的注释\n::c:: 网址 http://example.org 在哪？\n// 题目中间的注释\n{=首页 ~别处}")
    assert item.stem == "网址 http://example.org 在哪？" and len(item.options) == 2


# --- a whole file ------------------------------------------------------------------------------------


def test_one_bad_question_never_stops_the_file():
    result = parse_gift("::a:: 好 {T}\n\n::b:: 坏 {=甲\n\n::c:: 好 {F}\n\n::d:: 坏 {#x}")
    assert [i.title for i in result.items] == ["a", "c"]
    assert [(s.line, s.title) for s in result.skipped] == [(3, "b"), (7, "d")]


def test_only_a_file_in_which_nothing_can_be_read_is_refused():
    with pytest.raises(GiftUnreadable) as raised:
        parse_gift("\n::b:: 坏 {=甲\n\n::d:: 坏 {#x}")
    assert raised.value.line == 2


def test_a_file_over_the_question_limit_is_refused():
    with pytest.raises(GiftTooLarge):
        parse_gift("题 {T}\n\n说明文字\n\n题 {F}", max_questions=2)


def test_text_in_moodle_own_export_style_reads_back():
    """Moodle writes `=%100%answer#` with an empty feedback, `{#\\n=%100%n:0#\\n}` and `[html]` per answer."""
    text = ("// question: 1  name: a\n::a::[html]<p>派单时限？</p>{\n\t=%100%10#\n\t=%50%十#差一点\n}\n\n"
            "// question: 2  name: b\n::b::[html]几分钟？{#\n\t=%100%10:0#\n\t~#不对\n}\n")
    a, b = parse_gift(text).items
    assert (a.type, a.answers) == ("fill", ("10",))
    assert (b.numeric, b.wrong_feedback) == ((NumericAnswer(10),), "不对")


# --- the @trainer line -------------------------------------------------------------------------------


def test_a_trainer_line_carries_the_platform_fields_and_wins_over_the_defaults():
    text = ('// @trainer {"id": "rep-7", "type": "reply", "category": "repair", "difficulty": 2, '
            '"indicators": ["communication"], "source": "参考资料 002", "script": "repair", '
            '"key_points": [{"id": "k1", "label": "问房号", "phrases": ["房号"]}]}\n::rep-7:: 写出回复。 {}')
    stored = back(text)
    assert (stored.id, stored.type, stored.category, stored.difficulty) == ("rep-7", "reply", "repair", 2)
    assert (stored.indicators, stored.source, stored.script) == (("communication",), "参考资料 002", "repair")
    assert stored.key_points == (KeyPoint("k1", "问房号", ("房号",)),)
    plain = back(without_meta(text))  # Moodle's reading, and ours without the line: an essay named by its title
    assert (plain.id, plain.type, plain.category, plain.difficulty) == ("gift-rep-7", "essay", "other", 5)


def test_a_trainer_line_belongs_to_the_question_of_its_own_block_only():
    item = only('// @trainer {"id": "x"}\n\n::q:: 题 {T}')
    assert item.meta == {}


def test_fields_a_trainer_line_does_not_know_are_ignored():
    assert only('// @trainer {"id": "x-1", "later": 1}\n题 {T}').meta == {"id": "x-1"}


@pytest.mark.parametrize(("meta", "reason"), [
    ("{not json", "不是有效的 JSON"),
    ("[1]", "应是一个 JSON 对象"),
    ('{"difficulty": 9}', "difficulty 不对"),
    ('{"id": "不是 slug"}', "id 不对"),
    ('{"type": "single"}', "题型 single 与题目本身的题型 truefalse 不符"),
    ('{"options": [{"text": "甲"}]}', "options 不对"),
])
def test_a_bad_trainer_line_reports_its_question(meta, reason):
    skip = reported(f"// @trainer {meta}\n::q:: 题 {{T}}")
    assert skip.title == "q" and reason in skip.reason


# --- writing -----------------------------------------------------------------------------------------


ESSAY = question("essay", stem="写出安抚话术。", key_points=(KeyPoint("k1", "致歉", ("抱歉", "对不起"), "state"),),
                 script="complaint", word_limit=300, model_answer="先致歉，再说明下一步。", explanation="")
MATCHING = question("matching", stem="配对。", pairs=(Pair("等一会", "请稍等"), Pair("不知道", "我帮您查一下"),
                                                   Pair("", "自己看着办")))
NUMERICAL = question("numerical", stem="回访时限是几小时？", numeric=(
    NumericAnswer(24, feedback="对"), NumericAnswer(low=12, high=48, weight=50, feedback="接近"),
    NumericAnswer(-3.1415, 0.0005, weight=-25), NumericAnswer(1e-7, 1e15)), wrong_feedback="请回顾回访时限")
DESCRIPTION = question("description", stem="以下题目考查报修受理。", difficulty=1, indicators=(), explanation="")


@pytest.mark.parametrize(("q", "body"), [
    (ESSAY, "::q-1::写出安抚话术。 {}"),
    (replace(ESSAY, explanation="看是否致歉"), "::q-1::写出安抚话术。 {\n\t####看是否致歉}"),
    (MATCHING, "::q-1::配对。 {\n\t=等一会 -> 请稍等\n\t=不知道 -> 我帮您查一下\n\t= -> 自己看着办\n\t####解析\n}"),
    (NUMERICAL, "::q-1::回访时限是几小时？ {#\n\t=24#对\n\t=%50%12..48#接近\n\t=%-25%-3.1415:0.0005\n"
                "\t=1e-07:1000000000000000\n\t~#请回顾回访时限\n\t####解析\n}"),
    (question("numerical", numeric=(NumericAnswer(3.1415, 0.0005),)), "::q-1::题干 {#3.1415:0.0005\n\t####解析}"),
    (DESCRIPTION, "::q-1::以下题目考查报修受理。"),
    (question("short", key_points=(KeyPoint("k1", "致歉", ("抱歉",)),)), "::q-1::题干 {\n\t####解析}"),
])
def test_every_type_is_written_as_moodle_reads_it(q, body):
    assert question_to_gift(q).split("\n")[-body.count("\n") - 1:] == body.split("\n")


@pytest.mark.parametrize("q", [ESSAY, MATCHING, NUMERICAL, DESCRIPTION], ids=lambda q: q.type)
def test_export_then_import_is_the_identity_for_the_new_types(q):
    assert same(back(question_to_gift(q)), q)


def test_the_new_types_read_right_in_moodle_without_the_trainer_line():
    for q in (ESSAY, MATCHING, NUMERICAL, DESCRIPTION):
        item = only(without_meta(question_to_gift(q)))
        assert (item.type, item.stem, item.pairs, item.numeric, item.wrong_feedback) == (
            q.type, q.stem, q.pairs, q.numeric, q.wrong_feedback)


AWKWARD = [
    question("single", options=(Option("%50%的业主", False), Option("受理 -> 派单", True), Option("<b>粗</b>", False)),
             explanation="[html]不是格式"),
    question("multiple", options=(Option("%1%甲", True), Option("乙", True), Option("丙", False))),
    question("fill", stem="折扣是 ____ 。", answers=("%50%", "五折")),
    question("fill", stem="开场先说 ____", answers=("您好",)),  # the blank at the very end
    question("truefalse", answer=True, stem="第一行\r\n第二行\r第三行"),
    question("single", stem="  空格  太多\n\n  ", options=(Option(" 甲 ", True), Option("乙", False)), title="标题"),
    question("single", stem="[plain]开头像格式", options=(Option("[html]甲", True), Option("乙", False))),
    question("reply", key_points=(KeyPoint("k1", "问房号", ("房号",)),), script="repair", pass_ratio=0.8),
    question("single", id="q-2", options=(Option("对", True, 100.0), Option("半对", False, 50.0)), explanation=""),
]


# ASCII ids (see BAD_ROWS in test_xlsx_bank.py: mutmut's second pytest run would escape Chinese ones again)
@pytest.mark.parametrize("q", AWKWARD, ids=[f"awkward-{n}" for n in range(1, len(AWKWARD) + 1)])
def test_export_then_import_is_the_identity_for_awkward_text(q):
    text = question_to_gift(q)
    assert "\r" not in text
    assert same(back(text), q)


def test_a_leading_percentage_in_an_answer_is_spelled_out_so_moodle_keeps_it_as_text():
    single, _, fill = AWKWARD[:3]
    assert "\t~%0%%50%的业主" in question_to_gift(single)
    assert "{=%100%%50% =五折" in question_to_gift(fill)
    assert only(without_meta(question_to_gift(single))).options[0].text == "%50%的业主"
    assert only(without_meta(question_to_gift(fill))).answers == ("%50%", "五折")


def test_text_with_angle_brackets_is_written_as_plain_so_moodle_does_not_take_it_for_html():
    text = question_to_gift(AWKWARD[0])
    assert "::q-1::[plain]题干 {" in text
    assert "<b>粗</b>" in [o.text for o in only(without_meta(text)).options]


def test_export_then_import_is_the_identity_on_the_whole_bank():
    """Every field of every question comes back, path and line aside, from one exported file."""
    categories, bank, errors = load_bank(ROOT / "question_bank" / "questions", ROOT, indicators=None, scripts=None)
    assert bank and not errors
    text = to_gift(bank.values(), category_names={c.id: c.name for c in categories})
    result = parse_gift(text)
    assert result.skipped == [] and len(result.items) == len(bank)
    for item in result.items:
        stored = to_question(item, category="other", indicators=("other",), difficulty=5, source="bank.gift")
        assert same(stored, bank[stored.id]), stored.id
        # the GIFT itself carries the content: the @trainer line only adds what GIFT cannot hold
        assert set(item.meta) <= {"id", "type", "category", "difficulty", "indicators", "source", "title",
                                  "key_points", "pass_ratio", "script", "word_limit", "model_answer"}, stored.id


def test_the_sample_file_shows_every_type_and_two_reported_mistakes():
    result = parse_gift(Path(ROOT / "question_bank" / "gift" / "sample.gift").read_text(encoding="utf-8"))
    assert {i.type for i in result.items} == {"description", "single", "multiple", "truefalse", "fill", "matching",
                                              "essay", "numerical"}
    assert len(result.skipped) == 2
