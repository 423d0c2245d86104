"""The Moodle GIFT parser and writer, one syntax feature at a time, and a round trip of the real bank.

tests/unit/test_gift_moodle.py has one test per rule of Moodle's own reading and the exact round trip.
"""

from pathlib import Path

import pytest

from tests.conftest import ROOT, repository_content
from trainer.content.gift import META, GiftOption, GiftUnreadable, parse_gift, question_to_gift, to_gift
from trainer.content.questions import NumericAnswer


def only(text: str):
    result = parse_gift(text)
    assert result.skipped == [], result.skipped
    assert len(result.items) == 1
    return result.items[0]


def skipped(text: str) -> str:
    result = parse_gift(text + "\n\n::ok:: 填充题 {T}")  # one good question keeps the file readable
    assert len(result.skipped) == 1
    return result.skipped[0].reason


def test_single_choice_with_feedback_and_general_feedback():
    item = only("::Q1:: 铃响几声内接听？ {\n  =三声 # 对\n  ~五声 # 太慢\n  #### 参考资料 000\n}")
    assert (item.type, item.title, item.stem) == ("single", "Q1", "铃响几声内接听？")
    assert item.options == (GiftOption("三声", 100, "对"), GiftOption("五声", 0, "太慢"))
    assert item.general_feedback == "参考资料 000"


def test_partial_credit_on_a_single_choice():
    item = only("哪句最好？ {=您好 ~%50%你好 ~%-25%喂}")
    assert item.type == "single" and [o.weight for o in item.options] == [100, 50, -25]


def test_multiple_choice_by_percentages():
    item = only("哪些是忌语？ {~%50%我们不管 ~%50%不知道 ~%-100%请稍等}")
    assert item.type == "multiple" and [o.weight for o in item.options] == [50, 50, -100]


def test_multiple_choice_weights_must_add_up():
    assert "100%" in skipped("哪些？ {~%50%a ~%20%b ~c}")


@pytest.mark.parametrize(("block", "answer"), [("T", True), ("TRUE", True), ("F", False), ("FALSE", False),
                                                ("T#对#错", True), ("F####解析", False)])
def test_true_false(block, answer):
    item = only(f"可以摔电话。 {{{block}}}")
    assert item.type == "truefalse" and item.answer is answer


def test_short_answer_becomes_fill_in_with_every_full_credit_answer():
    item = only("派单时限是多少分钟？ {=10 =十 =%50%一刻钟}")
    assert (item.type, item.answers, item.stem) == ("fill", ("10", "十"), "派单时限是多少分钟？")


def test_missing_word_keeps_a_blank_in_the_stem():
    item = only("接起电话先说 {=您好} 再报单位。")
    assert item.stem == "接起电话先说 ____ 再报单位。" and item.answers == ("您好",)


def test_missing_word_multiple_choice():
    item = only("接起电话先说 {=您好 ~喂} 再报单位。")
    assert item.type == "single" and item.stem.count("____") == 1


@pytest.mark.parametrize(("block", "numeric"), [
    ("#3", (NumericAnswer(3),)), ("#2.5", (NumericAnswer(2.5),)), ("#30:0", (NumericAnswer(30),)),
    ("#30:1", (NumericAnswer(30, 1),)), ("#1..3", (NumericAnswer(low=1, high=3),)),
    ("#=24:0 =%50%25:0", (NumericAnswer(24), NumericAnswer(25, weight=50))),
])
def test_numerical_questions_keep_their_numbers(block, numeric):
    item = only(f"回访应在多少小时内完成？ {{{block}}}")
    assert item.type == "numerical" and item.numeric == numeric and item.answers == ()


def test_numerical_tolerance_that_no_short_list_holds_is_kept():
    assert only("圆周率？ {#3.14:0.01}").numeric == (NumericAnswer(3.14, 0.01),)


def test_categories_titles_comments_and_line_numbers():
    text = "// 一行注释\n$CATEGORY: $course$/坐席/电话接听规范\n\n::a:: 问题一 {T}\n\n// 又一行\n::b:: 问题二 {F}\n"
    result = parse_gift(text)
    assert [(i.title, i.line, i.category) for i in result.items] == [
        ("a", 4, "$course$/坐席/电话接听规范"), ("b", 7, "$course$/坐席/电话接听规范")]


def test_escapes():
    item = only(r"::esc\:1:: 符号 \{ \} \= \~ \# \: 与反斜杠 \\ {=a\=b ~c\~d}")
    assert item.title == "esc:1"
    assert item.stem == "符号 { } = ~ # : 与反斜杠 \\"
    assert [o.text for o in item.options] == ["a=b", "c~d"]


def test_html_is_reduced_to_text_and_scripts_are_dropped():
    item = only("[html]<p>先<b>致歉</b>&amp;安抚</p><script>alert('x')</script> {=对 ~错}")
    assert item.stem == "先致歉&安抚"
    assert "<" not in item.stem and "alert" not in item.stem


def test_markdown_and_plain_formats_keep_their_text():
    assert only("::m::[markdown] **先致歉** {T}").stem == "**先致歉**"
    assert only("[plain] <b>原样</b> {T}").stem == "<b>原样</b>"


@pytest.mark.parametrize(("text", "reason"), [
    ("::m:: 配对 {=喂 -> 您好}", "配对"),
    ("::n:: 几分钟？ {#十}", "不是数字"),
    ("::t:: 几分钟？ {#10:-1}", "不能小于 0"),
    ("::u:: 缺右括号 {=a ~b", "}"),
    ("::c:: 两个答案部分 {T} 和 {F}", "cloze"),
])
def test_unsupported_or_broken_questions_are_skipped_by_line(text, reason):
    assert reason in skipped(text)


@pytest.mark.parametrize(("text", "kind"), [
    ("::e:: 写一篇心得 {}", "essay"),
    ("::m:: 配对 {=喂 -> 您好 =不知道 -> 我帮您查一下}", "matching"),
    ("只是一段说明文字。", "description"),
    ("::x:: 开头没有记号 {abc =a ~b}", "single"),
    ("::two:: 两个正确 {=a =b ~c}", "single"),
])
def test_questions_once_skipped_are_now_read_as_moodle_reads_them(text, kind):
    assert only(text).type == kind


def test_skips_carry_line_and_title():
    result = parse_gift("::ok:: 题 {T}\n\n\n::e:: 写作 {#多少}\n")
    assert [(s.line, s.title) for s in result.skipped] == [(4, "e")]


@pytest.mark.parametrize("text", ["", "   \n\n", "// 只有注释\n", "::a:: 题 {=a ~b\n\n::b:: 题 {~%50%a}"])
def test_a_file_with_nothing_parseable_is_unreadable(text):
    with pytest.raises(GiftUnreadable):
        parse_gift(text)


def test_crlf_and_bom():
    assert only("\ufeff::a:: 题\r\n{T}\r\n").answer is True


@pytest.fixture(scope="module")
def bank():
    content = repository_content()
    assert content.questions, content.errors
    return content


def test_the_whole_bank_reads_right_in_moodle_without_our_comment_lines(bank):
    """What Moodle sees of our export (the @trainer lines are comments to it) is each question itself."""
    text = to_gift(bank.questions.values(), category_names={c.id: c.name for c in bank.categories})
    moodle = "\n".join(line for line in text.split("\n") if not line.startswith(META))
    result = parse_gift(moodle)
    assert result.skipped == []
    back = {item.title: item for item in result.items}
    assert set(back) == set(bank.questions)
    for question in bank.questions.values():
        item = back[question.id]
        assert item.meta == {}
        assert item.type == ("essay" if question.type in ("short", "reply") else question.type), question.id
        assert item.stem == question.stem.strip(), question.id
        assert item.general_feedback == question.explanation, question.id
        if question.type == "truefalse":
            assert item.answer == question.answer
        elif question.type == "fill":
            assert item.answers == question.answers
        elif question.type in ("single", "multiple"):
            assert [o.text for o in item.options] == [o.text for o in question.options]
            assert [o.weight > 0 for o in item.options] == [o.correct for o in question.options]
        assert item.category.endswith(next(c.name for c in bank.categories if c.id == question.category))


def test_key_point_questions_export_as_essays_with_their_points(bank):
    short = next(q for q in bank.questions.values() if q.type in ("short", "reply"))
    text = question_to_gift(short)
    assert "{" in text and "// 评分要点" in text


def test_sample_file_from_the_docs_imports(tmp_path: Path):
    sample = ROOT / "question_bank" / "gift" / "sample.gift"
    result = parse_gift(sample.read_text(encoding="utf-8"))
    assert len(result.items) >= 5 and any(s for s in result.skipped)
