"""Rules of trainer.content.gift that mutation testing found unguarded (see tests/MUTANTS.md)."""

import pytest

from trainer.content.gift import GiftUnreadable, _choice_lines, parse_gift, to_gift
from trainer.content.questions import Option, Question


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "文件里没有题目"),
        ("\n\n::a:: 题 {=a ~b\n\n::b:: 题 {~%50%a}", 3, "答案部分缺少右括号 }"),  # the first broken question
    ],
)
def test_rule_an_unreadable_file_says_where_and_why(text, line, reason):
    with pytest.raises(GiftUnreadable) as raised:
        parse_gift(text)
    assert (raised.value.line, str(raised.value)) == (line, reason)


def answers(block):
    result = parse_gift(f"回访应在多少小时内完成？ {{{block}}}\n\n::ok:: 填充题 {{T}}")
    assert not result.skipped, result.skipped
    return result.items[0].answers


def reason(block):
    result = parse_gift(f"回访应在多少小时内完成？ {{{block}}}\n\n::ok:: 填充题 {{T}}")
    (skip,) = result.skipped
    return skip.reason


def test_rule_html_drops_script_and_style_content_but_keeps_the_words_around_them():
    (item,) = parse_gift("[html] <p>先<style>p.hidden</style>致歉<script>alert(1)</script>再说明</p> {T}").items
    assert item.stem.split() == ["先致歉再说明"]
    # a stray closing tag hides nothing
    (item,) = parse_gift("[html] 先</script>致歉</style>再说明 {T}").items
    assert item.stem == "先致歉再说明"


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("#=%100%24:0 =%50%25:0", ("24",)),  # 100 % is full credit
        ("#=%50%25:0 =24:0", ("24",)),  # a partial-credit answer first does not end the list
        ("#30:0#说得对", ("30",)),  # feedback after # is not part of the number
        ("#=3 =10..11", ("3", "10", "11")),  # every full-credit entry adds its answers
        ("#0..20", tuple(str(n) for n in range(21))),  # up to 21 whole numbers
        ("#1e15", ("1000000000000000",)),  # 16 digits are still a number a person types
        ("#0.0000001", ("0.0000001",)),  # written out, never as 1E-7
        ("#-0", ("0",)),
    ],
)
def test_rule_numerical_answers_become_the_fill_in_answers_a_person_types(block, expected):
    assert answers(block) == expected


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("#abcdefghijklmnopqrstuvwxyz", "数值题的答案“abcdefghijklmnopqrst”不是数字"),  # quoted up to 20 characters
        ("##说得对", "数值题的答案“”不是数字"),  # only feedback, no number
        ("#1..2..3", "数值题的答案“2..3”不是数字"),  # a range splits at its first ..
        ("#30:1:2", "数值题的答案“1:2”不是数字"),  # a tolerance at its first :
        ("#1e16", "数值题的答案“1e16”太大或太小"),
        ("#1234567890123456789012", "数值题的答案“12345678901234567890”太大或太小"),
        ("#inf", "数值题的答案“inf”太大或太小"),
        ("#=%50%3", "数值题没有满分答案"),
        ("#1..2.5", "数值题的误差范围 1…2.5 不能换成几个可接受的答案，本平台暂不支持"),
        ("#0..21", "数值题的误差范围 0…21 不能换成几个可接受的答案，本平台暂不支持"),  # 22 numbers are too many
    ],
)
def test_rule_a_numerical_question_that_cannot_be_a_fill_in_is_skipped_with_its_reason(block, expected):
    assert reason(block) == expected


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("#abc", "数值题的答案“abc”不是数字"),
        ("#1e16", "数值题的答案“1e16”太大或太小"),
        ("#=%50%3", "数值题没有满分答案"),
    ],
)
def test_rule_a_malformed_numerical_question_alone_makes_the_file_unreadable(block, expected):
    with pytest.raises(GiftUnreadable) as raised:
        parse_gift(f"::n:: 回访应在多少小时内完成？ {{{block}}}")
    assert (raised.value.line, str(raised.value)) == (1, expected)


def question(type_, options=(), **fields):
    defaults = {"id": "q1", "category": "basics", "difficulty": 1, "indicators": ("communication",), "source": "",
                "stem": "题", "explanation": ""}
    return Question(type=type_, options=options, **(defaults | fields))


@pytest.mark.parametrize(
    ("type_", "options", "lines"),
    [
        ("single", (Option("对", True), Option("错", False)), ["=对", "~错"]),
        # weights from an import are written back: 100 is "=", 0 plain "~", the rest as %n%
        ("single", (Option("全对", True, 100.0), Option("半对", False, 50.0), Option("错", False, None),
                    Option("扣分", False, -33.333333)), ["=全对", "~%50%半对", "~错", "~%-33.33333%扣分"]),
        # our multiple choice: the right ones share 100 %, a wrong one takes it all back
        ("multiple", (Option("a", True), Option("b", True), Option("c", False)), ["~%50%a", "~%50%b", "~%-100%c"]),
        ("multiple", (Option("a", True, 50.0), Option("b", True, None)), ["~%50%a", "~%0%b"]),
        ("single", (Option("反\\斜=杠\n换行", True), Option("b", False)), ["=反\\\\斜\\=杠\\n换行", "~b"]),
    ],
)
def test_rule_choices_are_written_with_their_credit(type_, options, lines):
    assert _choice_lines(question(type_, options)) == lines


def test_rule_a_gift_file_has_a_header_and_one_category_line_per_category_in_order():
    questions = [question("truefalse", answer=True, id="b", category="c2"),
                 question("truefalse", answer=False, id="a", category="c1"),
                 question("truefalse", answer=False, id="c", category="c1")]
    text = to_gift(questions, category_names={"c1": "基础"})
    assert text.splitlines()[0] == "// 坐席培训与考核平台 题库导出 (Moodle GIFT)"
    categories = [line for line in text.splitlines() if line.startswith("$CATEGORY")]
    assert categories == ["$CATEGORY: $course$/坐席培训/基础", "$CATEGORY: $course$/坐席培训/c2"]  # c2 unnamed
    assert text.index("::a::") < text.index("::c::") < text.index("::b::")
