"""Rules of trainer.content.gift that mutation testing found unguarded (see tests/MUTANTS.md)."""

import pytest

from trainer.content.gift import GiftUnreadable, _choice_lines, parse_gift, question_to_gift, to_gift
from trainer.content.questions import NumericAnswer, Option, Question
from trainer.scoring.keypoints import KeyPoint


def refusal(text: str) -> tuple[int, str]:
    """The line and the reason with which parse_gift refuses `text` as a whole."""
    with pytest.raises(GiftUnreadable) as raised:
        parse_gift(text)
    return raised.value.line, str(raised.value)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "文件里没有题目"),
        ("\n\n::a:: 题 {=a ~b\n\n::b:: 题 {~%50%a}", 3, "答案部分缺少右括号 }"),  # the first broken question
    ],
)
def test_rule_an_unreadable_file_says_where_and_why(text, line, reason):
    assert refusal(text) == (line, reason)


def answers(block):
    result = parse_gift(f"回访应在多少小时内完成？ {{{block}}}\n\n::ok:: 填充题 {{T}}")
    assert not result.skipped, result.skipped
    return result.items[0].answers


def numbers(block):
    result = parse_gift(f"回访应在多少小时内完成？ {{{block}}}\n\n::ok:: 填充题 {{T}}")
    assert not result.skipped, result.skipped
    assert result.items[0].type == "numerical"
    return result.items[0].numeric


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
        ("#=%100%24:0 =%50%25:0", (NumericAnswer(24), NumericAnswer(25, weight=50))),  # 100 % is full credit
        ("#=%50%25:0 =24:0", (NumericAnswer(25, weight=50), NumericAnswer(24))),  # a partial one first ends nothing
        ("#30:0#说得对", (NumericAnswer(30, feedback="说得对"),)),  # feedback after # is not part of the number
        ("#=3 =10..11", (NumericAnswer(3), NumericAnswer(low=10, high=11))),  # every entry is an answer
        ("#0..20", (NumericAnswer(low=0, high=20),)),  # a range stays a range, however many numbers it holds
        ("#1..2.5", (NumericAnswer(low=1, high=2.5),)),
        ("#1e15", (NumericAnswer(1e15),)),  # 16 digits are still a number a person types
        ("#0.0000001", (NumericAnswer(1e-7),)),
        ("#-0", (NumericAnswer(0),)),
    ],
)
def test_rule_numerical_answers_keep_their_numbers_credit_and_feedback(block, expected):
    assert numbers(block) == expected


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
        ("#2.5..1", "数值范围的下限 2.5 大于上限 1"),
        ("#-0..-1", "数值范围的下限 0 大于上限 -1"),  # numbers are shown in plain digits, -0 as 0
        ("#0.0000002..0.0000001", "数值范围的下限 0.0000002 大于上限 0.0000001"),
        ("#..3", "数值题的答案“..3”不是数字"),  # a range needs its lower end
        ("#:3", "数值题的答案“:3”不是数字"),  # a tolerance needs its value
        ("#30:-0.5", "数值题的误差 -0.5 不能小于 0"),
        ("#1_000", "数值题的答案“1_000”不是数字"),  # Python would read it, Moodle does not
        ("#~#只有答错的反馈", "数值题没有答案"),
    ],
)
def test_rule_a_malformed_numerical_question_is_skipped_with_its_reason(block, expected):
    assert reason(block) == expected


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("#abc", "数值题的答案“abc”不是数字"),
        ("#1e16", "数值题的答案“1e16”太大或太小"),
        ("#=%50%3", "数值题没有满分答案"),
        ("#2.5..1", "数值范围的下限 2.5 大于上限 1"),
        ("#30:-0.5", "数值题的误差 -0.5 不能小于 0"),
        ("#~#只有答错的反馈", "数值题没有答案"),
    ],
)
def test_rule_a_malformed_numerical_question_alone_makes_the_file_unreadable(block, expected):
    assert refusal(f"::n:: 回访应在多少小时内完成？ {{{block}}}") == (1, expected)


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


def options(block):
    (item,) = parse_gift(f"::q:: 题 {{{block}}}").items
    return [(o.text, o.weight, o.feedback) for o in item.options]


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("=对\\ ~错\\=", [("对\\", 100.0, ""), ("错=", 0.0, "")]),  # a lone final backslash stays, \\= is "="
        ("=甲#对 ~乙", [("甲", 100.0, "对"), ("乙", 0.0, "")]),  # feedback after #, none without
        ("=<b>甲</b>#<i>好</i> ~乙", [("甲", 100.0, "好"), ("乙", 0.0, "")]),  # moodle text is HTML
        ("~%100%甲 ~%-100%乙", [("甲", 100.0, ""), ("乙", -100.0, "")]),  # the limits are allowed
    ],
)
def test_rule_an_answer_is_read_as_plain_text_with_its_credit_and_feedback(block, expected):
    assert options(block) == expected


def test_rule_html_answers_are_reduced_to_their_words():
    (item,) = parse_gift("::q:: [html] 题 {=<b>甲</b>#<i>好</i> ~乙}").items
    assert [(o.text, o.feedback) for o in item.options] == [("甲", "好"), ("乙", "")]


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("~%100.5%甲 ~乙", "得分比例 100.5% 超出 -100%…100%"),
        ("~%-100.5%甲 ~乙", "得分比例 -100.5% 超出 -100%…100%"),
        ("=甲 ~#只有反馈", "有一个答案是空的"),
        ("=甲 ~ ", "有一个答案是空的"),
    ],
)
def test_rule_a_bad_answer_alone_makes_the_file_unreadable_with_its_reason(block, expected):
    assert refusal(f"::q:: 题 {{{block}}}") == (1, expected)


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("=甲\\\\=乙", ("甲\\", "乙")),  # an escaped backslash does not escape the = after it
        ("=甲\\\\\\=乙", ("甲\\=乙",)),  # three backslashes: the third escapes the =
        ("=甲\\\\\\\\=乙", ("甲\\\\", "乙")),  # four: two escaped backslashes
    ],
)
def test_rule_an_answer_mark_is_escaped_by_an_odd_number_of_backslashes(block, expected):
    assert answers(block) == expected


def test_rule_a_backslash_at_the_start_of_the_answers_escapes_the_mark():
    assert answers("\\=甲 =乙") == ("=甲", "乙")  # the escaped = is text of the first answer


def test_rule_a_numerical_answer_is_read_from_its_first_100_characters():
    assert numbers("#" + "0" * 99 + "12") == (NumericAnswer(1),)


@pytest.mark.parametrize(
    ("source", "stem"),
    [
        ("<b>先</b>致歉 {T}", "先致歉"),  # moodle (the default) text is HTML
        ("[html] A &amp; B {T}", "A & B"),  # HTML without tags still has entities
        ("[plain] A &amp; B <b> {T}", "A &amp; B <b>"),  # plain text is taken as it is
        ("[markdown] A &amp; B {T}", "A &amp; B"),
        ("A &amp; B {T}", "A &amp; B"),  # moodle without tags: no entities either
        # lines kept, spaces collapsed, blank lines (here from escaped \n) dropped
        ("第一行\n  第二  行\\n\\n第三行 {T}", "第一行\n第二 行\n第三行"),
    ],
)
def test_rule_question_text_is_stored_as_plain_text_by_its_format(source, stem):
    (item,) = parse_gift(source).items
    assert item.stem == stem


def meta(kind: str, indicators: str = '"communication"', *, explanation: bool = False, rest: str = "") -> str:
    """The @trainer line `question(...)` gets: every form field, plus an empty explanation when asked."""
    fields = ', "explanation": ""' if explanation else ""
    return (f'// @trainer {{"id": "q1", "type": "{kind}", "category": "basics", "difficulty": 1, '
            f'"indicators": [{indicators}], "source": "", "title": ""{fields}{rest}}}')


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"type_": "truefalse", "answer": True, "explanation": "解释", "indicators": ("a", "b")},
         "// truefalse · 难度 1 · a, b\n" + meta("truefalse", '"a", "b"') + "\n::q1::题 {TRUE\n\t####解释}"),
        ({"type_": "truefalse", "answer": False},
         "// truefalse · 难度 1 · communication\n" + meta("truefalse", explanation=True) + "\n::q1::题 {FALSE}"),
        ({"type_": "single", "options": (Option("对", True), Option("错", False))},
         "// single · 难度 1 · communication\n" + meta("single", explanation=True) + "\n::q1::题 {\n\t=对\n\t~错\n}"),
        ({"type_": "fill", "answers": ("24", "廿四"), "stem": "回访在 ____ 小时内完成"},
         "// fill · 难度 1 · communication\n" + meta("fill", explanation=True)
         + "\n::q1::回访在 {=24 =廿四} 小时内完成"),
        ({"type_": "fill", "answers": ("甲",), "stem": "先 ____ 后 ____ 完"},  # only the first blank is the answer
         "// fill · 难度 1 · communication\n" + meta("fill", explanation=True) + "\n::q1::先 {=甲} 后 ____ 完"),
        ({"type_": "fill", "answers": ("甲",), "stem": "没有空格"},
         "// fill · 难度 1 · communication\n" + meta("fill", explanation=True) + "\n::q1::没有空格 {=甲}"),
        ({"type_": "short",
          "key_points": (KeyPoint("k1", "致歉", ("抱歉", "对不起")), KeyPoint("k2", "说明", ("原因",)))},
         "// short · 难度 1 · communication\n// 评分要点: 致歉（抱歉 / 对不起）；说明（原因）\n"
         + meta("short", explanation=True, rest=', "key_points": [{"id": "k1", "label": "致歉", "phrases": ["抱歉", '
                '"对不起"], "act": null, "needs": null}, {"id": "k2", "label": "说明", "phrases": ["原因"], '
                '"act": null, "needs": null}]') + "\n::q1::题 {}"),
    ],
)
def test_rule_a_question_is_written_as_gift_with_its_comments(fields, expected):
    """People read the comment lines; the @trainer line always names what an upload form would otherwise
    supply, and adds a field only where the Moodle reading would not give it back (here: no explanation)."""
    assert question_to_gift(question(**fields)) == expected

