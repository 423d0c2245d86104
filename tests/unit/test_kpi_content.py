"""The KPI targets file: the reference's three targets as shipped, and `path:line` errors for broken files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from trainer.content.kpis import MEASURES, KpiDef, Target, load_kpis

FILE = "question_bank/competency/kpis.yaml"


def _good_text() -> str:
    """A valid file: every measure once, one with a target."""
    lines = ["kpis:"]
    for ident in MEASURES:
        lines += [f"  - id: {ident}", f"    label: 指标{ident}", "    description: 说明。"]
    lines += ["    target: {at_least: 0.6}"]  # on the last one, calibration_kappa
    return "\n".join(lines) + "\n"


def _load(tmp_path: Path, text: str):
    path = tmp_path / "kpis.yaml"
    path.write_text(text, encoding="utf-8")
    return load_kpis(path, FILE)


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_shipped_file_holds_the_reference_targets():
    kpis, errors = load_kpis(ROOT / FILE, FILE)
    assert errors == []
    assert [k.id for k in kpis] == list(MEASURES)  # every measure, in the shipped order
    targets = {k.id: k.target for k in kpis if k.target}
    assert targets == {
        "roleplay_resolved": Target("at_least", 100),  # 投诉处理率 100 %
        "course_satisfaction": Target("at_least", 98),  # 用户满意率 98 % 以上
        "typing_speed": Target("at_least", 80),  # 每分钟 80 字左右
    }
    by_id = {k.id: k for k in kpis}
    assert "000" in by_id["course_satisfaction"].source and "001" in by_id["typing_speed"].source
    assert all(k.label and k.description for k in kpis)


def test_the_reference_facts_are_in_the_reference():
    reference = ROOT.parent / "shared" / "reference"
    if not reference.is_dir():
        pytest.skip("reference documents not beside the repository")
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in reference.glob("*.txt"))
    assert "用戶滿意率98%以上" in text and "用戶投訴處理率100%" in text and "每分鐘打字速度在80個字左右" in text


def test_formatting_and_judging_follow_the_unit():
    share = KpiDef("course_satisfaction", "满意度", "说明", "percent", Target("at_least", 98))
    assert (share.format(97.96), share.format(None), share.target_text) == ("98.0%", "—", "≥ 98%")
    assert share.target.met_by(98.0) is True and share.target.met_by(97.9) is False
    assert share.target.met_by(None) is None
    typing = KpiDef("typing_speed", "打字", "说明", "cpm", Target("at_least", 80))
    assert (typing.format(82), typing.target_text) == ("82.0 字/分", "≥ 80 字/分")
    overdue = KpiDef("overdue_assignments", "逾期", "说明", "count", Target("at_most", 0))
    assert (overdue.format(3), overdue.target_text, overdue.target.met_by(0), overdue.target.met_by(1)) == \
        ("3", "≤ 0", True, False)
    assert KpiDef("calibration_kappa", "κ", "说明", "kappa").format(0.6190476) == "0.62"


def test_a_good_file_loads_with_its_target(tmp_path):
    kpis, errors = _load(tmp_path, _good_text())
    assert errors == []
    assert kpis[-1].target == Target("at_least", 0.6) and kpis[-1].target_text == "≥ 0.60"
    assert all(k.target is None for k in kpis[:-1])
    with pytest.raises(AttributeError):
        kpis[0].label = "x"


@pytest.mark.parametrize("change, needle, message", [
    (("id: typing_speed", "id: typing_speeed"), "typing_speeed", "未知的 KPI 'typing_speeed'"),
    (("target: {at_least: 0.6}", "target: {at_least: 1.5}"), "target:", "字段 'at_least' 应在 -1 到 1 之间"),
    (("target: {at_least: 0.6}", "target: {at_least: 0.5, at_most: 0.9}"), "target:", "只能有 at_least 或 at_most"),
    (("target: {at_least: 0.6}", "target: {more_than: 0.5}"), "target:", "未知字段 'more_than'"),
    (("target: {at_least: 0.6}", "target: 0.6"), "target:", "target 应为映射"),
    (("    label: 指标exam_pass_rate\n", "    label: 指标exam_pass_rate\n    colour: red\n"), "colour",
     "未知字段 'colour'"),
])
def test_a_bad_entry_is_reported_at_its_line(tmp_path, change, needle, message):
    text = _good_text().replace(*change)
    assert text != _good_text()
    kpis, errors = _load(tmp_path, text)
    assert kpis == ()
    assert any(e.path == FILE and e.line == _line(text, needle) and message in e.message for e in errors), errors
    assert all(str(e).startswith(f"{FILE}:{e.line}: ") for e in errors)


def test_a_measure_left_out_or_given_twice_is_refused(tmp_path):
    text = _good_text()
    dropped = text.replace("  - id: exam_pass_rate\n    label: 指标exam_pass_rate\n    description: 说明。\n", "")
    _, errors = _load(tmp_path, dropped)
    assert [(e.line, e.message) for e in errors] == [(1, "缺少 KPI: exam_pass_rate (每项指标都要出现一次)")]
    twice = text + "  - id: typing_speed\n    label: 又一个\n    description: 重复。\n"
    _, errors = _load(tmp_path, twice)
    first = _line(twice, "id: typing_speed")
    assert [(e.line, e.message) for e in errors] == [
        (len(twice.splitlines()) - 2, f"KPI 'typing_speed' 重复 (第 {first} 行已定义)")]


def test_a_count_target_must_be_whole_and_a_syntax_error_has_its_line(tmp_path):
    text = _good_text().replace("  - id: human_graded_share", "    target: {at_most: 1.5}\n  - id: human_graded_share")
    _, errors = _load(tmp_path, text)  # the target lands on overdue_assignments, a count
    assert [(e.line, e.message) for e in errors] == [(_line(text, "at_most: 1.5"), "数量目标应为整数 (现为 1.5)")]
    broken = _good_text().replace("    description: 说明。\n", "    description: [说明\n", 1)
    _, errors = _load(tmp_path, broken)
    assert len(errors) == 1 and errors[0].message.startswith("YAML 语法错误") and errors[0].line > 1


def test_the_loader_is_pure():
    code = ("import sys, trainer.content.kpis\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""
