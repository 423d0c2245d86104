"""Violation (违规扣分) categories: question_bank/competency/violations.yaml parsed into frozen data.

The reference's deduction rules grade violations as severe, medium or light and deduct a fixed
number of points each time one happens; the file lists the categories so a supervisor records a
violation by choosing one, and the points come from the file, not from whoever records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .check import FileCheck
from .errors import ContentError
from .yamlio import read_yaml

VIOLATION_LEVELS = ("severe", "medium", "light")
MAX_POINTS = 100


@dataclass(frozen=True)
class ViolationCategory:
    id: str
    name: str
    level: str  # severe | medium | light
    points: int  # deducted per occurrence
    description: str
    note: str = ""  # what else follows, e.g. paying for damaged equipment


def load_violations(path: Path, shown_as: str) -> tuple[tuple[ViolationCategory, ...], list[ContentError]]:
    data, errors = read_yaml(path, shown_as)
    if errors:
        return (), errors
    check = FileCheck(shown_as)
    root = check.mapping(data, 1, "违规扣分文件")
    if root is None:
        return (), check.errors
    check.only_keys(root, {"violations"}, "违规扣分文件")
    items = check.sequence(root.get("violations"), root.line_of("violations"), "violations")
    categories: list[ViolationCategory] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(items):
        item = check.mapping(raw, items.line_of(i), "违规类别")
        if item is None:
            continue
        check.only_keys(item, {"id", "name", "level", "points", "description", "note"}, "违规类别")
        ident = check.slug(item, "id", "违规类别 id")
        name = check.get(item, "name", str)
        description = check.get(item, "description", str)
        note = check.get(item, "note", str, required=False, default="")
        level = check.get(item, "level", str)
        if level is not None and level not in VIOLATION_LEVELS:
            check.error(item.line_of("level"), f"level 应为 {' / '.join(VIOLATION_LEVELS)}")
            level = None
        points = check.get(item, "points", int)
        if points is not None and not 0 < points <= MAX_POINTS:
            check.error(item.line_of("points"), f"points 应为 1 到 {MAX_POINTS} 之间的整数 (现为 {points})")
            points = None
        if ident is not None and ident in seen:
            check.error(item.line_of("id"), f"违规类别 id {ident!r} 重复 (第 {seen[ident]} 行已定义)")
            continue
        if ident is not None:
            seen[ident] = item.line_of("id")
        if (ident is not None and name is not None and level is not None and points is not None
                and description is not None):
            categories.append(ViolationCategory(ident, name, level, points, description, note))
    if not items and not check.errors:
        check.error(root.line, "至少需要一个违规类别")
    return (tuple(categories), []) if not check.errors else ((), check.errors)
