"""Grading every question type, answer checking for autosave, typing measurement and item analysis."""

import pytest

from trainer.assessment.analysis import histogram, item_analysis
from trainer.assessment.grading import coerce_answer, grade, indicator_scores
from trainer.assessment.typing import measure
from trainer.content.questions import Option, Question
from trainer.scoring import KeyPoint


def q(kind, **fields):
    base = {"id": "x", "type": kind, "category": "phone", "difficulty": 1, "indicators": ("communication",),
            "source": "", "stem": "题干", "explanation": "解析"}
    return Question(**{**base, **fields})


SINGLE = q("single", options=(Option("三声", True), Option("十声", False)))
MULTI = q("multiple", options=(Option("a", True), Option("b", True), Option("c", False)))
PARTIAL_SINGLE = q("single", options=(Option("三声", True, 100), Option("四声", False, 50), Option("十声", False, -50)))
WEIGHTED = q("multiple", options=(Option("a", True, 50), Option("b", True, 50), Option("c", False, -100)))
TF = q("truefalse", answer=False)
FILL = q("fill", stem="应在 ____ 分钟内派单", answers=("10", "十"))
HOURS = q("fill", stem="回访应在 ____ 内完成", answers=("24小时",))
HUNDRED = q("fill", stem="____", answers=("105",))
SHORT = q("short", key_points=(KeyPoint("a", "听清楚", ("听清楚",)), KeyPoint("b", "问清楚", ("问清楚",))),
          pass_ratio=0.6)
REPLY = q("reply", script="complaint", key_points=(KeyPoint("room", "房号", ("房号",)),))


@pytest.mark.parametrize(
    ("question", "answer", "score", "correct"),
    [
        (SINGLE, 0, 1.0, True), (SINGLE, 1, 0.0, False), (SINGLE, 9, 0.0, False), (SINGLE, "0", 0.0, False),
        (PARTIAL_SINGLE, 0, 1.0, True), (PARTIAL_SINGLE, 1, 0.5, False), (PARTIAL_SINGLE, 2, 0.0, False),
        (MULTI, [0, 1], 1.0, True), (MULTI, [0], 0.5, False), (MULTI, [0, 2], 0.0, False), (MULTI, [5], 0.0, False),
        (WEIGHTED, [0, 1], 1.0, True), (WEIGHTED, [0], 0.5, False), (WEIGHTED, [0, 1, 2], 0.0, False),
        (TF, False, 1.0, True), (TF, True, 0.0, False), (TF, "false", 0.0, False),
        (FILL, "１０", 1.0, True), (FILL, " 10 ", 1.0, True), (FILL, "十。", 1.0, True), (FILL, "11", 0.0, False),
        (HOURS, "二十四小时", 1.0, True), (HOURS, "24 小時", 1.0, True), (HOURS, "十二小时", 0.0, False),
        (HUNDRED, "一百零五", 1.0, True), (HUNDRED, "一〇五", 1.0, True),
        (SHORT, "先聽清楚，再問清楚", 1.0, True), (SHORT, "听清楚", 0.5, False),
    ],
)
def test_grade(question, answer, score, correct):
    result = grade(question, answer)
    assert (result.score, result.correct) == (score, correct)


def test_unanswered_is_not_answered():
    assert grade(SINGLE, None).answered is False
    assert grade(FILL, "  ").answered is False


def test_reply_questions_use_the_scorer_and_key_points(rules):
    good = grade(REPLY, "非常抱歉给您添麻烦了,请问您的房号是多少?我们马上处理,谢谢您。", rules)
    assert good.correct and good.score >= 0.8  # graded as every reply is: phrases, key points, relevance, form
    assert {p["id"] for p in good.detail["report"]["parts"]} >= {"phrases", "key_points", "form"}
    rude = grade(REPLY, "这事我们不管,你的房号?", rules)
    assert not rude.correct and rude.detail["report"]["banned"][0]["phrase"] == "我们不管"
    with pytest.raises(ValueError):
        grade(REPLY, "x")


@pytest.mark.parametrize(
    ("question", "value", "expected"),
    [(SINGLE, 1, 1), (SINGLE, "1", 1), (MULTI, ["2", 0, 0], [0, 2]), (TF, "true", True), (FILL, "10", "10"),
     (SINGLE, None, None), (FILL, "", None)],
)
def test_coerce_answer(question, value, expected):
    assert coerce_answer(question, value) == expected


@pytest.mark.parametrize(("question", "value"), [(SINGLE, 5), (SINGLE, True), (MULTI, 1), (MULTI, [9]), (TF, 3),
                                                 (FILL, ["a"]), (FILL, "x" * 201), (SHORT, "x" * 5001)])
def test_coerce_answer_refuses(question, value):
    with pytest.raises(ValueError):
        coerce_answer(question, value)


def test_indicator_scores_average_per_indicator():
    other = q("truefalse", answer=True, indicators=("communication", "it_skills"))
    graded = [(TF, grade(TF, False)), (other, grade(other, False))]
    assert indicator_scores(graded) == {"communication": 50.0, "it_skills": 0.0}


def test_typing_speed_counts_only_matching_characters():
    passage = "您好请问有什么可以帮您" * 10  # 110 characters
    perfect = measure(passage, passage, 60)
    assert (perfect.correct, perfect.cpm, perfect.accuracy, perfect.value) == (110, 110.0, 1.0, 100.0)
    sloppy = measure(passage, passage[:50] + "乱码乱码" + passage[50:80], 60)
    assert sloppy.correct == 80 and sloppy.accuracy == round(80 / 84, 4)
    assert measure(passage, "", 30).cpm == 0
    assert measure(passage, " 您 好\n", 60).typed == 2


def test_item_analysis_flags_a_bad_item():
    # Eight people of ability 8..1; five sound items of rising difficulty; "bad" is answered right only by the weak.
    attempts = []
    for ability in range(8, 0, -1):
        attempt = {f"g{level}": int(ability > level) for level in range(1, 6)}
        attempt["good"] = attempt.pop("g3")
        attempt["bad"] = int(ability <= 3)
        attempts.append(attempt)
    stats = {s.question_id: s for s in item_analysis(attempts)}
    assert stats["good"].facility == 5 / 8
    assert stats["good"].discrimination > 0.5
    assert stats["bad"].discrimination < 0
    assert item_analysis(attempts[:3])[0].discrimination is None  # too few attempts to judge


def test_histogram_puts_100_in_the_top_band():
    bands = dict(histogram([0, 9.9, 10, 55, 100, 95]))
    assert bands["0–9"] == 2 and bands["90–100"] == 2 and bands["50–59"] == 1 and len(bands) == 10
