"""The monthly KPI report's labels and targets: question_bank/competency/kpis.yaml parsed into frozen data.

How a KPI is measured is code (trainer/competency/kpis.py); what it is called, how it is explained and
the target it is held to are content, so HR can move a target without a release. The targets the
reference gives (complaints handled 100 %, satisfaction at least 98 %, about 80 characters a minute)
live in the file with their source. Every measure the code knows must appear exactly once, so the
report can never silently lose a row, and a target is checked against the measure's unit (a share
cannot be 120 %, a kappa lies in [-1, 1]).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .check import FileCheck
from .errors import ContentError
from .yamlio import YDict, read_yaml

#: measure id → unit. "percent": a share 0–100; "count": a number of records; "cpm": correct characters per
#: minute; "kappa": an agreement coefficient in [-1, 1]
MEASURES: dict[str, str] = {
    "roleplay_resolved": "percent",
    "roleplay_escalated": "percent",
    "course_satisfaction": "percent",
    "typing_speed": "cpm",
    "exam_pass_rate": "percent",
    "course_completion": "percent",
    "overdue_assignments": "count",
    "human_graded_share": "percent",
    "calibration_kappa": "kappa",
}
UNIT_RANGES: dict[str, tuple[float, float]] = {
    "percent": (0, 100), "count": (0, 1_000_000), "cpm": (0, 1000), "kappa": (-1, 1),
}
UNIT_SUFFIX = {"percent": "%", "count": "", "cpm": " 字/分", "kappa": ""}
DIRECTIONS = {"at_least": "≥", "at_most": "≤"}


@dataclass(frozen=True)
class Target:
    direction: str  # at_least | at_most
    value: float

    def met_by(self, value: float | None) -> bool | None:
        """None when there is nothing to judge (no data that month)."""
        if value is None:
            return None
        return value >= self.value if self.direction == "at_least" else value <= self.value


@dataclass(frozen=True)
class KpiDef:
    id: str
    label: str
    description: str
    unit: str
    target: Target | None = None
    source: str = ""

    def format(self, value: float | None) -> str:
        """A value as the report prints it: "97.5%", "3", "82.0 字/分", "0.62"; "—" for no data."""
        if value is None:
            return "—"
        if self.unit == "count":
            return f"{value:.0f}"
        if self.unit == "kappa":
            return f"{value:.2f}"
        return f"{value:.1f}{UNIT_SUFFIX[self.unit]}"

    @property
    def target_text(self) -> str:
        """"≥ 98%", "≤ 0"; empty when the file sets no target."""
        if self.target is None:
            return ""
        value = self.target.value
        shown = f"{value:.2f}" if self.unit == "kappa" else f"{value:g}{UNIT_SUFFIX[self.unit]}"
        return f"{DIRECTIONS[self.target.direction]} {shown}"


def load_kpis(path: Path, shown_as: str) -> tuple[tuple[KpiDef, ...], list[ContentError]]:
    """The KPIs in file order, or () and every problem as `path:line: message`."""
    data, errors = read_yaml(path, shown_as)
    if errors:
        return (), errors
    check = FileCheck(shown_as)
    root = check.mapping(data, 1, "KPI 文件")
    if root is None:
        return (), check.errors
    check.only_keys(root, {"kpis"}, "KPI 文件")
    items = check.sequence(root.get("kpis"), root.line_of("kpis"), "kpis")
    kpis: list[KpiDef] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(items):
        item = check.mapping(raw, items.line_of(i), "KPI")
        if item is None:
            continue
        kpi = _kpi(check, item, seen)
        if kpi is not None:
            kpis.append(kpi)
    missing = [m for m in MEASURES if m not in seen]
    if missing and isinstance(root.get("kpis"), list):
        check.error(root.line_of("kpis"), f"缺少 KPI: {', '.join(missing)} (每项指标都要出现一次)")
    return (tuple(kpis), []) if not check.errors else ((), check.errors)


def _kpi(check: FileCheck, item: YDict, seen: dict[str, int]) -> KpiDef | None:
    check.only_keys(item, {"id", "label", "description", "target", "source"}, "KPI")
    ident = check.slug(item, "id", "KPI id")
    label = check.get(item, "label", str)
    description = check.get(item, "description", str)
    source = check.get(item, "source", str, required=False, default="")
    if ident is not None and ident not in MEASURES:
        check.error(item.line_of("id"), f"未知的 KPI {ident!r} (可用: {', '.join(MEASURES)})")
        return None
    if ident is not None and ident in seen:
        check.error(item.line_of("id"), f"KPI {ident!r} 重复 (第 {seen[ident]} 行已定义)")
        return None
    if ident is not None:
        seen[ident] = item.line_of("id")
    target = _target(check, item, MEASURES[ident]) if ident is not None else None
    if ident is None or label is None or description is None or target is False:
        return None
    return KpiDef(ident, label, description, MEASURES[ident], target or None, source)


def _target(check: FileCheck, item: YDict, unit: str) -> Target | Literal[False] | None:
    """The target, None when there is none, False when it is broken (already reported)."""
    if item.get("target") is None:
        return None
    raw = check.mapping(item["target"], item.line_of("target"), "target")
    if raw is None:
        return False
    check.only_keys(raw, set(DIRECTIONS), "target")
    given = [d for d in DIRECTIONS if d in raw]
    if len(given) != 1:
        check.error(raw.line, "target 需要且只能有 at_least 或 at_most 其中一个")
        return False
    low, high = UNIT_RANGES[unit]
    value = check.number(raw, given[0], low=low, high=high)
    if value is None:
        return False
    if unit == "count" and value != int(value):
        check.error(raw.line_of(given[0]), f"数量目标应为整数 (现为 {value:g})")
        return False
    return Target(given[0], value)
