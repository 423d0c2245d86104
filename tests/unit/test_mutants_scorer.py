"""Rules of trainer.scoring.scorer that mutation testing found unguarded (see tests/MUTANTS.md)."""

from dataclasses import replace

import pytest

from trainer.scoring.normalize import normalize
from trainer.scoring.scorer import BannedHit, GroupHit, Missing, ScoringError, score


def test_rule_only_a_string_can_be_scored_and_the_error_says_so(rules):
    with pytest.raises(ScoringError) as refused:
        score(123, None, rules)  # type: ignore[arg-type]
    assert (refused.value.code, str(refused.value)) == ("not_text", "text must be a string")


def test_rule_a_banned_phrase_is_reported_with_its_suggestion_and_indicator(rules):
    report = score("你是谁？", None, rules)
    suggestion = "请问您贵姓? 能告诉我贵公司名称吗?"
    assert report.banned == (BannedHit("你是谁", "你是谁", 0, 3, "major", suggestion, "communication"),)


def test_rule_a_polite_phrase_in_quotation_marks_is_the_customers_and_does_not_count(rules):
    report = score("业主说“谢谢”。", "complaint", rules)
    assert [(h.kind, h.status) for h in report.hits] == [("group", "quoted")]
    assert report.found == ()
    assert [m.group for m in report.missing] == ["apology", "reassurance", "thanks"]


def test_rule_a_required_group_not_said_is_missing_as_absent_with_where_it_was_required(rules):
    report = score("", "complaint", rules)
    assert report.missing == (Missing("apology", "absent", "anywhere", 15.0),
                              Missing("reassurance", "absent", "anywhere", 15.0),
                              Missing("thanks", "absent", "anywhere", 15.0))
    assert report.to_dict()["missing_detail"][0] == {"group": "apology", "reason": "absent", "where": "anywhere"}
    assert score("", "closing", rules).missing[1] == Missing("closing", "absent", "last_sentence", 15.0)


@pytest.mark.parametrize(
    ("text", "script", "missing", "value"),
    [
        ("您好，这里是客服中心，很高兴为您服务。", "phone_opening", (), 100.0),
        # said in the first sentence and again later: still said in the first sentence
        ("您好，这里是客服中心。很高兴为您服务，您好。", "phone_opening", (), 100.0),
        ("这里是客服中心。您好，很高兴为您服务。", "phone_opening",
         (Missing("greeting", "position", "first_sentence", 7.5),), 92.5),
        ("谢谢您的来电。再见。", "closing", (), 100.0),
        ("再见。谢谢您的来电。", "closing", (Missing("closing", "position", "last_sentence", 7.5),), 92.5),
    ],
    ids=["first", "first-and-later", "later-only", "last", "not-last"],
)
def test_rule_a_group_required_in_the_first_or_last_sentence_said_elsewhere_costs_half(
        rules, text, script, missing, value):
    report = score(text, script, rules)
    assert (report.missing, report.score) == (missing, value)


def test_rule_the_phrase_score_does_not_go_below_zero(rules):
    report = score("你是谁？干什么的？你是哪位？急什么？", "complaint", rules)
    assert len(report.banned) == 4 and len(report.missing) == 3  # 45 + 4 × 25 off
    assert (report.score, report.passed) == (0.0, False)


def test_rule_the_phrase_score_is_rounded_to_one_decimal(rules):
    odd = replace(rules, scoring=replace(rules.scoring, severity_penalty={**rules.scoring.severity_penalty,
                                                                          "minor": 3.33}))
    assert score("喂，您好。", None, odd).score == 96.7


def test_rule_a_phrase_score_exactly_at_the_pass_line_passes(rules):
    report = score("喂，抱歉。", "complaint", rules)  # two groups missing (30) and a minor banned phrase (10)
    assert [b.phrase for b in report.banned] == ["喂"] and report.found == (GroupHit("apology", "抱歉", 2, 4),)
    assert (report.score, report.passed) == (60.0, True)


def test_rule_a_span_is_mapped_to_the_original_text_as_original_span_maps_it(rules):
    text = "您 好，谢 谢。你 是 谁？"
    norm, report = normalize(text), score(text, None, rules)
    counted = [h for h in report.hits if h.counted]
    assert {h.kind for h in counted} == {"group", "banned"}
    expected = [norm.original_span(h.start, h.end) for h in counted]
    reported = sorted([(g.start, g.end) for g in report.found] + [(b.start, b.end) for b in report.banned])
    assert reported == sorted(expected)
    assert [b.matched for b in report.banned] == ["你 是 谁"]  # the spaces the trainee typed, as typed
