"""Matching, numerical, essay and description questions: grading, answer checking, and the YAML loader's
`path:line` errors for each way such a question can be written wrong."""

from pathlib import Path

import pytest

from trainer.assessment.analysis import item_analysis
from trainer.assessment.grading import coerce_answer, grade, indicator_scores, read_number, written_length
from trainer.content.questions import NumericAnswer, Pair, Question, load_question_file
from trainer.scoring import KeyPoint


def q(kind, **fields):
    base = {"id": "x", "type": kind, "category": "repair", "difficulty": 1, "indicators": ("product_knowledge",),
            "source": "", "stem": "题干", "explanation": "解析"}
    return Question(**{**base, **fields})


MATCH = q("matching", pairs=(Pair("接单响应", "10 分钟"), Pair("阶段性答复", "30 分钟"), Pair("回访", "24 小时"),
                             Pair("", "3 个工作日")))
NUMBER = q("numerical", numeric=(NumericAnswer(value=24), NumericAnswer(low=12, high=23, weight=50, feedback="早了"),
                                 NumericAnswer(value=3.1415, tolerance=0.0005)), wrong_feedback="是 24 小时")
ESSAY = q("essay", word_limit=20, key_points=(KeyPoint("sorry", "致歉", ("抱歉", "致歉")),), model_answer="先致歉")
DESCRIPTION = q("description", indicators=(), explanation="", stem="下面三题关于工单。")


def test_rule_matching_choices_are_every_right_hand_answer_once_and_items_skip_the_distractor():
    assert MATCH.choices == ("10 分钟", "30 分钟", "24 小时", "3 个工作日")
    assert [p.left for p in MATCH.items] == ["接单响应", "阶段性答复", "回访"]


@pytest.mark.parametrize(("answer", "value", "correct"), [
    ([0, 1, 2], 1.0, True), ([0, 1, 3], 0.6667, False), ([1, 0, 2], 0.3333, False), ([3, 3, 3], 0.0, False),
    ([0, None, 2], 0.6667, False), ([0, 1], 0.0, False), ("0,1,2", 0.0, False), ([True, 1, 2], 0.6667, False),
])
def test_rule_matching_earns_credit_per_correct_pair(answer, value, correct):
    result = grade(MATCH, answer)
    assert (result.score, result.correct) == (value, correct)


@pytest.mark.parametrize(("answer", "expected"), [
    ([0, "1", None], [0, 1, None]), (["", "", ""], None), ([None, None, None], None),
])
def test_rule_matching_answers_are_one_index_or_none_per_item(answer, expected):
    assert coerce_answer(MATCH, answer) == expected


@pytest.mark.parametrize("answer", [[0, 1], [0, 1, 2, 3], [0, 1, 4], [0, 1, -1], "0,1,2", {"a": 1}, [0, 1, 1.5]])
def test_rule_matching_answers_of_the_wrong_shape_are_refused(answer):
    with pytest.raises(ValueError):
        coerce_answer(MATCH, answer)


@pytest.mark.parametrize(("answer", "value", "correct", "feedback"), [
    ("24", 1.0, True, ""), ("２４", 1.0, True, ""), ("二十四", 1.0, True, ""), ("24 小时", 1.0, True, ""),
    ("18", 0.5, False, "早了"), ("12", 0.5, False, "早了"), ("23.9", 0.0, False, "是 24 小时"),
    ("3.141", 1.0, True, ""), ("3.1405", 0.0, False, "是 24 小时"), ("三点一四一五", 1.0, True, ""),
    ("48", 0.0, False, "是 24 小时"), ("不清楚", 0.0, False, "答案不是一个数"),
    ("24或25", 0.0, False, "答案不是一个数"),
])
def test_rule_numerical_takes_the_best_credited_answer_within_tolerance_and_gives_its_feedback(
        answer, value, correct, feedback):
    result = grade(NUMBER, answer)
    assert (result.score, result.correct, result.detail["feedback"]) == (value, correct, feedback)


@pytest.mark.parametrize(("text", "number"), [
    ("1,822", 1822.0), ("-2", -2.0), ("负二", -2.0), (".5", 0.5), ("１．５", 1.5), ("1e3", 1000.0),
    ("约30", None), ("", None), ("30%", 30.0), ("1,82", None),
])
def test_rule_numbers_are_read_as_people_type_them(text, number):
    assert read_number(text) == number


def test_rule_a_range_bound_is_inside_it_and_float_rounding_is_not_a_wrong_answer():
    exact = q("numerical", numeric=(NumericAnswer(value=0.3),))
    assert grade(exact, str(0.1 + 0.2)).correct
    assert NumericAnswer(low=1, high=2).accepts(1) and NumericAnswer(low=1, high=2).accepts(2)
    assert not NumericAnswer(low=1, high=2).accepts(2.001)


def test_rule_an_essay_waits_for_its_grader_with_the_phrase_report_as_a_hint(rules):
    result = grade(ESSAY, "非常抱歉，我们马上处理。", rules)
    assert result.pending and result.answered and result.score == 0.0
    assert result.detail["points"][0]["covered"] is True and "banned" in result.detail["report"]
    assert result.detail["length"] == 12
    blank = grade(ESSAY, "  ", rules)
    assert not blank.pending and not blank.answered  # nothing to grade waits for no one


def test_rule_an_essay_word_limit_counts_characters_not_spaces():
    assert written_length("抱 歉\n好") == 3
    assert coerce_answer(ESSAY, "好" * 20 + "  \n") == "好" * 20 + "  \n"
    with pytest.raises(ValueError, match="不能超过 20 字"):
        coerce_answer(ESSAY, "好" * 21)


def test_rule_a_description_is_never_answered_nor_counted():
    assert coerce_answer(DESCRIPTION, "任何东西") is None
    assert grade(DESCRIPTION, "任何东西") == grade(DESCRIPTION, None)
    assert not grade(DESCRIPTION, "x").answered
    assert indicator_scores([(DESCRIPTION, grade(DESCRIPTION, None)), (MATCH, grade(MATCH, [0, 1, 2]))]) == {
        "product_knowledge": 100.0}


def test_item_analysis_covers_partial_credit_of_the_new_types():
    attempts = [{"m": 1.0, "n": 1.0}, {"m": 0.6667, "n": 0.5}, {"m": 0.3333, "n": 0.0}, {"m": 0.0, "n": 0.0}] * 3
    stats = {s.question_id: s for s in item_analysis(attempts)}
    assert stats["m"].facility == pytest.approx(0.5, abs=0.01) and stats["m"].discrimination > 0


# --- the YAML loader ----------------------------------------------------------------------------------

HEAD = "category: repair\nquestions:\n"
COMMON = "    difficulty: 1\n    indicators: [product_knowledge]\n    explanation: 解析\n"


def _errors(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "bank.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    _, errors = load_question_file(path, "bank.yaml", categories={"repair"}, indicators=None, scripts=None)
    return [str(e) for e in errors]


@pytest.mark.parametrize(("body", "expected"), [
    ("  - id: m1\n    type: matching\n    stem: 配对\n" + COMMON + "    pairs:\n      - {left: 甲, right: 一}\n",
     "bank.yaml:9: 匹配题应有 2 到 12 组配对 (现有 1 组)"),
    ("  - id: m2\n    type: matching\n    stem: 配对\n" + COMMON
     + "    pairs:\n      - {left: 甲, right: 一}\n      - {left: 甲, right: 二}\n",
     "bank.yaml:9: 匹配题的左侧项目重复"),
    ("  - id: m3\n    type: matching\n    stem: 配对\n" + COMMON
     + "    pairs:\n      - {left: 甲}\n      - {left: 乙, right: 二}\n", "bank.yaml:10: 缺少字段 'right'"),
    ("  - id: n1\n    type: numerical\n    stem: 几\n" + COMMON + "    numeric:\n      - {value: 二十}\n",
     "bank.yaml:10: 字段 'value' 应为数字"),
    ("  - id: n2\n    type: numerical\n    stem: 几\n" + COMMON + "    numeric:\n      - {value: 20, tolerance: -1}\n",
     "bank.yaml:10: 字段 'tolerance' 应在 0 到 1e+15 之间 (现为 -1)"),
    ("  - id: n3\n    type: numerical\n    stem: 几\n" + COMMON + "    numeric:\n      - {low: 5, high: 2}\n",
     "bank.yaml:10: 数值范围的下限 5 大于上限 2"),
    ("  - id: n4\n    type: numerical\n    stem: 几\n" + COMMON + "    numeric:\n      - {value: 5, weight: 50}\n",
     "bank.yaml:9: 数值题至少要有一个满分 (weight: 100) 的答案"),
    ("  - id: n5\n    type: numerical\n    stem: 几\n" + COMMON + "    numeric: []\n",
     "bank.yaml:9: 数值题至少需要一个答案"),
    ("  - id: e1\n    type: essay\n    stem: 写\n" + COMMON + "    word_limit: 5\n",
     "bank.yaml:9: word_limit 应在 10 到 5000 字之间"),
    ("  - id: d1\n    type: description\n    stem: 说明\n    pairs: []\n", None),
])
def test_rule_a_badly_written_question_of_a_new_type_is_refused_at_its_line(tmp_path, body, expected):
    errors = _errors(tmp_path, body)
    if expected is None:
        assert errors == []
    else:
        assert any(e.startswith(expected) for e in errors), errors


def test_a_description_needs_only_its_text(tmp_path):
    path = tmp_path / "bank.yaml"
    path.write_text(HEAD + "  - id: d1\n    type: description\n    stem: 下面三题关于工单。\n", encoding="utf-8")
    questions, errors = load_question_file(path, "bank.yaml", categories={"repair"}, indicators=None, scripts=None)
    assert errors == [] and questions[0].type == "description" and questions[0].difficulty == 1
