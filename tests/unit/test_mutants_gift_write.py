"""Rules of the GIFT writer (trainer.content.gift.question_to_gift) that mutation testing found unguarded.

See tests/MUTANTS.md. The cases check the GIFT text itself: the export-then-import tests cannot see these
rules, because the `// @trainer` line carries whatever the Moodle reading of the text gets wrong.
"""

import json

import pytest

from tests.unit.test_mutants_gift import question
from trainer.content.gift import _ALWAYS, _CARRIED, META, _choice_lines, question_to_gift
from trainer.content.questions import NumericAnswer, Option, Pair


def body(**fields) -> str:
    """The question as Moodle reads it: what question_to_gift writes after its comment lines."""
    lines = question_to_gift(question(**fields)).split("\n")
    return "\n".join(line for line in lines if not line.startswith("//"))


def meta_line(**fields) -> dict:
    (line,) = [line for line in question_to_gift(question(**fields)).split("\n") if line.startswith(META)]
    return json.loads(line[len(META):])


@pytest.mark.parametrize(
    ("type_", "options", "lines"),
    [
        # a text that itself starts like a format name gets the format it is really in put before it
        ("single", (Option("[html]甲", True), Option("[plain]乙", False)), ["=[moodle][html]甲", "~[moodle][plain]乙"]),
        ("single",
         (Option("[html]全对", True, 100.0), Option("[html]半对", False, 50.0), Option("[html]错", False, 0.0)),
         ["=[moodle][html]全对", "~%50%[moodle][html]半对", "~[moodle][html]错"]),
        ("multiple", (Option("[html]a", True), Option("[html]b", True), Option("[html]c", False)),
         ["~%50%[moodle][html]a", "~%50%[moodle][html]b", "~%-100%[moodle][html]c"]),
    ],
)
def test_rule_a_choice_that_starts_like_a_format_name_is_written_in_moodle_format_by_default(type_, options, lines):
    assert _choice_lines(question(type_, options)) == lines


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # text with < or & is plain text, and every answer and feedback inherits [plain]
        ({"type_": "single", "stem": "A<B", "options": (Option("[html]甲", True), Option("乙", False))},
         "::q1::[plain]A<B {\n\t=[plain][html]甲\n\t~乙\n}"),
        ({"type_": "truefalse", "answer": True, "stem": "A&B"}, "::q1::[plain]A&B {TRUE}"),
        ({"type_": "truefalse", "answer": True, "stem": "A B"}, "::q1::A B {TRUE}"),
        # each kind of text that starts like a format name gets [moodle] before it
        ({"type_": "truefalse", "answer": True, "explanation": "[html]解释"},
         "::q1::题 {TRUE\n\t####[moodle][html]解释}"),
        ({"type_": "fill", "answers": ("[html]甲",)}, "::q1::题 {=[moodle][html]甲}"),
        ({"type_": "numerical", "numeric": (NumericAnswer(3, feedback="[html]好"),), "wrong_feedback": "[html]再想想"},
         "::q1::题 {#\n\t=3#[moodle][html]好\n\t~#[moodle][html]再想想\n}"),
        ({"type_": "matching", "pairs": (Pair("[html]甲", "一"), Pair("乙", "二"))},
         "::q1::题 {\n\t=[moodle][html]甲 -> 一\n\t=乙 -> 二\n}"),
    ],
)
def test_rule_every_text_is_written_in_the_format_of_its_question(fields, expected):
    assert body(**fields) == expected


@pytest.mark.parametrize(
    ("numeric", "expected"),
    [
        ((NumericAnswer(3),), "::q1::题 {#3}"),  # one full-credit answer without feedback: the short form
        ((NumericAnswer(3), NumericAnswer(4)), "::q1::题 {#\n\t=3\n\t=4\n}"),  # two answers: both, one a line
        ((NumericAnswer(3, feedback="好"),), "::q1::题 {#\n\t=3#好\n}"),
        # whole numbers are written as digits below 1e16 and as Python writes them from there on
        ((NumericAnswer(1e15),), "::q1::题 {#1000000000000000}"),
        ((NumericAnswer(9999999999999998.0),), "::q1::题 {#9999999999999998}"),
        ((NumericAnswer(1e16),), "::q1::题 {#1e+16}"),
    ],
)
def test_rule_numerical_answers_are_written_short_only_when_nothing_else_is_lost(numeric, expected):
    assert body(type_="numerical", numeric=numeric) == expected


def test_rule_a_numerical_answer_without_a_value_needs_both_ends_of_its_range():
    with pytest.raises(AssertionError):
        question_to_gift(question("numerical", numeric=(NumericAnswer(low=1.0),)))


@pytest.mark.parametrize(
    ("stem", "written"),
    [
        ("甲\r\n乙", "甲\\n乙"),  # a Windows line break is one line break
        ("甲\r乙", "甲\\n乙"),  # and so is an old Mac one: GIFT has no escape for a carriage return
        ("甲\n乙", "甲\\n乙"),
        ("甲\r\n\r乙\n", "甲\\n\\n乙\\n"),
    ],
)
def test_rule_every_line_break_is_written_as_an_escaped_n(stem, written):
    assert body(type_="truefalse", answer=True, stem=stem) == f"::q1::{written} {{TRUE}}"


def test_rule_a_question_the_gift_reading_cannot_read_back_carries_every_field():
    """1e16 has more digits than the reader takes: nothing of the text reads back, so the @trainer line
    holds every field instead of only those the reading gets wrong."""
    fields = meta_line(type_="numerical", numeric=(NumericAnswer(1e16),))
    assert list(fields) == [*_ALWAYS, *_CARRIED]
    assert fields["numeric"] == [{"value": 1e16, "tolerance": 0.0, "low": None, "high": None, "weight": 100.0,
                                  "feedback": ""}]
