"""The reply scorer: every rule feature, the shared acceptance cases, and properties on any input."""

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import acceptance_cases, acceptance_file
from trainer.scoring import ScoringError, score


def banned(report):
    return [b.phrase for b in report.banned]


def groups(report):
    return {g.group for g in report.found}


# --- the shared acceptance cases ---------------------------------------------------------------------
# One test per case, named by the case's id, so a run reports every failing case rather than the first.


def _cases(name):
    return yaml.safe_load(acceptance_file(name).read_text(encoding="utf-8"))


def _labelled_groups(cases):
    """The real turns with labelled polite groups (the others have nothing to check one by one)."""
    return ((case["id"], case) for case in cases or [] if case.get("required"))


def _check_case(case, rules):
    report = score(case["text"], case.get("script"), rules)
    expected = [set(item.split("|")) for item in case.get("banned") or []]
    got = banned(report)
    for options in expected:
        assert any(g in options for g in got), f"missed {options} in {case['text']!r}: {got}"
    for g in got:
        assert any(g in options for options in expected), f"false alarm {g!r} in {case['text']!r}"
    assert set(case.get("required") or []) <= groups(report), f"groups found: {sorted(groups(report))}"
    missing = {m.group for m in report.missing}
    assert set(case.get("missing") or []) <= missing, f"groups missing: {sorted(missing)}"
    if case.get("critical"):
        assert report.critical and not report.passed and report.score < rules.scoring.pass_line
    return report


@pytest.mark.parametrize("case", acceptance_cases("scoring_cases.yaml"))
def test_rule_an_acceptance_case_reports_exactly_its_banned_phrases_and_its_groups(rules, case):
    _check_case(case, rules)


@pytest.mark.parametrize("case", acceptance_cases("real_jddc_cases.yaml", _labelled_groups))
def test_rule_a_real_transcript_finds_its_labelled_polite_groups(rules, case):
    found = groups(score(case["text"], case.get("script"), rules))
    assert set(case["required"]) <= found, f"found {sorted(found)} in {case['text']!r}"


def test_rule_real_transcripts_meet_the_f1_and_false_alarm_targets(rules):
    """JDDC agent turns: banned-phrase F1 >= 0.95 and false alarms on <= 2 % of clean turns (a target over all
    the turns, not a per-turn rule: the failure message names the turns that missed or raised a false alarm)."""
    tp = fp = fn = clean = false_alarms = 0
    missed, alarms = [], []
    for case in _cases("real_jddc_cases.yaml"):
        report = score(case["text"], case.get("script"), rules)
        expected = [set(item.split("|")) for item in case.get("banned") or []]
        got = banned(report)
        remaining = list(got)
        for options in expected:
            match = next((g for g in remaining if g in options), None)
            if match:
                remaining.remove(match)
                tp += 1
            else:
                fn += 1
                missed.append(case["id"])
        extra = [g for g in remaining if not any(g in options for options in expected)]
        fp += len(extra)
        if extra:
            alarms.append(f"{case['id']}: {extra}")
        if not expected:
            clean += 1
            false_alarms += bool(extra)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    detail = f"missed in {missed}; false alarms in {alarms}"
    assert 2 * precision * recall / (precision + recall) >= 0.95, detail
    assert false_alarms <= 0.02 * clean, detail


# --- rule features -----------------------------------------------------------------------------------


def test_rule_an_allowed_context_may_span_a_gap_inside_the_sentence(rules):
    assert banned(score("今天没时间,不行。", None, rules)) == ["没时间", "不行"]
    assert banned(score("如果这个时间不行的话,我们另约。", None, rules)) == []
    assert banned(score("不知道您明天上午是否方便?", None, rules)) == []
    assert banned(score("这个我不知道。", None, rules)) == ["不知道"]


def test_rule_an_allowed_context_is_reported_as_the_reason(rules):
    report = score("请您等一下,我去查。", None, rules)
    statuses = {(h.rule.phrase, h.status, h.detail) for h in report.hits if h.kind == "banned"}
    assert statuses == {("等一下", "allowed_context", "请…等一下")}


def test_rule_an_alone_phrase_counts_only_as_a_whole_clause_particles_aside(rules):
    assert banned(score("哪里?", None, rules)) == ["哪里"]
    assert banned(score("哪里呀?", None, rules)) == ["哪里"]  # particles do not make it polite
    assert banned(score("请问您家里是哪里漏水?", None, rules)) == []


def test_rule_a_max_clause_phrase_counts_only_in_a_short_clause(rules):
    assert banned(score("他不在。", None, rules)) == ["不在"]
    assert banned(score("新旧地址不在同一个城市。", None, rules)) == []
    assert banned(score("王经理暂时不在,需要我帮您转告吗?", None, rules)) == []


def test_rule_a_phrase_cut_out_of_a_longer_word_does_not_count(rules):
    assert banned(score("喂养宠物要登记。", None, rules)) == []
    assert banned(score("喂,你好。", None, rules)) == ["喂"]
    assert banned(score("这种不行动的态度要改。", None, rules)) == []
    report = score("喂养宠物要登记。", None, rules)
    assert [(h.status, h.detail) for h in report.hits] == [("word_boundary", "喂养")]


@pytest.mark.parametrize("quote", ["“{}”", "「{}」", '"{}"', "『{}』"])
def test_rule_quoted_customer_words_are_reported_not_counted(rules, quote):
    text = "您说" + quote.format("你们什么都不管,跟我们没关系") + ",非常抱歉让您有这样的感受。"
    report = score(text, None, rules)
    assert banned(report) == []
    assert [q.phrase for q in report.quoted] == ["跟我们没关系"]
    assert report.score == 100


def test_rule_traditional_full_width_and_spaced_variants_score_the_same(rules):
    plain = score("这事我们不管,你去找开发商。", None, rules)
    variants = ["這事我們不管，你去找開發商。", "这事 我们 不 管 ,你去找开发商。", "这事我们\u200b不管，你去找开发商。"]
    for variant in variants:
        other = score(variant, None, rules)
        assert banned(other) == banned(plain) == ["我们不管"]
        assert other.score == plain.score


def test_rule_spans_are_offsets_into_the_original_text(rules):
    text = "對不起 ， 這個 我們 不 管。謝謝！"
    report = score(text, "complaint", rules)
    for hit in [*report.banned, *report.found]:
        assert text[hit.start:hit.end] == hit.matched
    assert report.banned[0].matched == "我們 不 管"


def test_rule_overlapping_matches_of_one_phrase_count_once_per_place(rules):
    report = score("没有办法,真的没办法。", None, rules)
    assert banned(report) == ["没办法", "没办法"]  # two places, each once
    assert [b.matched for b in report.banned] == ["没有办法", "没办法"]
    hold = score("请您稍等一下,我马上查。", "hold", rules)
    assert banned(hold) == [] and "hold" in groups(hold)


def test_rule_a_pattern_catches_variant_wordings(rules):
    for text in ["跟我们物业公司没有关系。", "和我们没关系。", "这个与物业没关系。", "有本事你就去法院告我们!"]:
        assert banned(score(text, None, rules)), text
    assert banned(score("没关系的,不用担心。", None, rules)) == []


def test_rule_a_critical_phrase_caps_the_score_below_the_pass_line(rules):
    report = score("您好,请问有什么可以帮您?烦死人了。", None, rules)
    assert report.critical
    assert report.score == rules.scoring.critical_cap < rules.scoring.pass_line
    assert not report.passed


def test_rule_a_group_in_the_wrong_place_costs_half_its_penalty(rules):
    ok = score("感谢您的来电,再见!", "closing", rules)
    assert ok.missing == ()
    late = score("再见!感谢您的来电,我们会跟进。", "closing", rules)
    assert [(m.group, m.reason) for m in late.missing] == [("closing", "position")]
    assert late.score == 100 - rules.scoring.missing_penalty / 2


def test_rule_the_weights_come_from_the_rules_file(rules):
    report = score("这个我不清楚。", None, rules)
    assert report.score == 100 - rules.scoring.severity_penalty["major"]


def test_rule_an_empty_reply_misses_every_required_group(rules):
    report = score("", "phone_opening", rules)
    assert [m.group for m in report.missing] == ["greeting", "self_intro", "offer_help"]
    assert report.banned == () and not report.passed


def test_rule_an_unknown_script_is_an_error(rules):
    with pytest.raises(ScoringError) as info:
        score("您好", "nope", rules)
    assert info.value.code == "unknown_script"


def test_rule_a_report_records_the_rules_version(rules):
    assert score("您好", None, rules).to_dict(7)["rules_version"] == rules.version


def test_rule_every_prescribed_polite_phrase_belongs_to_its_group(rules):
    assert len(rules.prescribed) == 20
    for text, group in rules.prescribed:
        report = score(text, None, rules)
        assert group in groups(report), text
        assert report.banned == (), text


# --- properties --------------------------------------------------------------------------------------

_alphabet = st.one_of(
    st.characters(),
    st.sampled_from(list("喂哪里不知道没办法我们不管“”「」,.!? 　ＡＢ對不起謝謝再見稍等一下")),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=_alphabet, max_size=10_000), st.sampled_from(["any", "complaint", "closing", None]))
def test_rule_any_text_scores_without_error_inside_its_spans_and_deterministically(rules, text, script):
    first = score(text, script, rules)
    for hit in [*first.banned, *first.found, *first.quoted]:
        assert 0 <= hit.start <= hit.end <= len(text)
        assert text[hit.start:hit.end] == hit.matched
    assert 0 <= first.score <= 100
    assert score(text, script, rules).to_dict() == first.to_dict()


def test_rule_any_one_without_companion_lifts_the_phrase(rules):
    assert banned(score("他不在。", None, rules)) == ["不在"]
    report = score("他不在,您要留言吗?", None, rules)
    assert banned(report) == []
    assert [(h.status, h.detail) for h in report.hits if h.kind == "banned"] == [("lifted_by", "留言")]


def test_rule_a_within_gap_bounds_the_distance_between_the_pieces(rules):
    assert banned(score("有本事你就去市里的法院告我们!", None, rules)) == ["有本事你去告"]
    assert banned(score("有本事的师傅都去了别的小区,大家都在说这事,最后也没人告诉我们。", None, rules)) == []


def test_rule_a_with_all_phrase_counts_only_with_every_companion(tmp_path):
    from tests.conftest import ROOT
    from trainer.content.phrases import read_rule_texts, rules_from_texts

    texts, _ = read_rule_texts(ROOT / "question_bank" / "phrases")
    texts["banned.yaml"] += (
        "  - phrase: 自己去\n    with_all: [你]\n    severity: minor\n    suggest: 我帮您联系。\n"
        "    indicator: communication\n"
    )
    custom, errors = rules_from_texts(texts)
    assert errors == []
    assert banned(score("你自己去物业办公室吧。", None, custom)) == ["自己去"]
    report = score("我陪业主自己去看了现场。", None, custom)
    assert banned(report) == []
    assert [(h.status, h.detail) for h in report.hits if h.kind == "banned"] == [("without_companion", "你")]
