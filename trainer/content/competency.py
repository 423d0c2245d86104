"""The competency model (indicators and their weights) and the agent grades, parsed from YAML.

The weights come from a Delphi expert survey in the reference study; the file states them as
percentages within each level, and, optionally, the combined weight the study printed, which the
loader recomputes and checks so a typo in a weight cannot slip into every agent's index.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .check import FileCheck
from .errors import ContentError
from .yamlio import YDict, read_yaml

WEIGHT_SUM_TOLERANCE = 0.05
COMBINED_TOLERANCE = 0.011


@dataclass(frozen=True)
class IndicatorDef:
    id: str
    name: str
    description: str
    group_id: str
    weight: float  # percent within its first-level group
    # Percent of the whole model. The study computed it from unrounded weights, so a stated value
    # (checked against first-level × second-level within rounding) wins over the recomputed product.
    combined: float


@dataclass(frozen=True)
class GroupDef:
    id: str
    name: str
    description: str
    weight: float  # percent of the whole model
    indicators: tuple[IndicatorDef, ...]


@dataclass(frozen=True)
class CompetencyModel:
    name: str
    source: str
    groups: tuple[GroupDef, ...]
    content_hash: str

    @property
    def indicators(self) -> tuple[IndicatorDef, ...]:
        return tuple(ind for group in self.groups for ind in group.indicators)

    @property
    def indicator_ids(self) -> frozenset[str]:
        return frozenset(ind.id for ind in self.indicators)


@dataclass(frozen=True)
class GradeDef:
    code: str
    name: str
    rank: int
    min_tenure_months: int
    summary: str


def load_model(path: Path, shown_as: str) -> tuple[CompetencyModel | None, list[ContentError]]:
    data, errors = read_yaml(path, shown_as)
    if errors:
        return None, errors
    check = FileCheck(shown_as)
    root = check.mapping(data, 1, "能力模型文件")
    if root is None:
        return None, check.errors
    check.only_keys(root, {"name", "source", "groups"}, "能力模型")
    name = check.get(root, "name", str, default="")
    source = check.get(root, "source", str, required=False, default="")
    groups_raw = check.sequence(root.get("groups"), root.line_of("groups"), "groups")
    seen: dict[str, int] = {}
    groups = [_group(check, item, groups_raw.line_of(i), seen) for i, item in enumerate(groups_raw)]
    groups = [g for g in groups if g is not None]
    if groups and not check.errors:
        total = sum(g.weight for g in groups)
        if abs(total - 100) > WEIGHT_SUM_TOLERANCE:
            check.error(groups_raw.line, f"一级指标权重之和应为 100 (现为 {total:.2f})")
    if not groups and not check.errors:
        check.error(root.line, "能力模型至少需要一个一级指标")
    if check.errors:
        return None, check.errors
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return CompetencyModel(name=name, source=source, groups=tuple(groups), content_hash=digest), []


def _group(check: FileCheck, raw: object, line: int, seen: dict[str, int]) -> GroupDef | None:
    data = check.mapping(raw, line, "一级指标")
    if data is None:
        return None
    check.only_keys(data, {"id", "name", "description", "weight", "indicators"}, "一级指标")
    gid = _unique_id(check, data, seen)
    name = check.get(data, "name", str)
    weight = check.number(data, "weight", low=0, high=100)
    items = check.sequence(data.get("indicators"), data.line_of("indicators"), "indicators")
    indicators = []
    for i, item in enumerate(items):
        ind = _indicator(check, item, items.line_of(i), gid, weight, seen)
        if ind is not None:
            indicators.append(ind)
    if not items:
        check.error(data.line, "一级指标至少需要一个二级指标")
    elif len(indicators) == len(items):
        total = sum(ind.weight for ind in indicators)
        if abs(total - 100) > WEIGHT_SUM_TOLERANCE:
            check.error(items.line, f"{name} 的二级指标权重之和应为 100 (现为 {total:.2f})")
    if gid is None or name is None or weight is None:
        return None
    description = check.get(data, "description", str, required=False, default="")
    return GroupDef(gid, name, description, weight, tuple(indicators))


def _indicator(
    check: FileCheck, raw: object, line: int, gid: str | None, group_weight: float | None, seen: dict[str, int]
) -> IndicatorDef | None:
    data = check.mapping(raw, line, "二级指标")
    if data is None:
        return None
    check.only_keys(data, {"id", "name", "description", "weight", "combined"}, "二级指标")
    iid = _unique_id(check, data, seen)
    name = check.get(data, "name", str)
    weight = check.number(data, "weight", low=0, high=100)
    stated = check.number(data, "combined", low=0, high=100, required=False)
    description = check.get(data, "description", str, required=False, default="")
    if iid is None or name is None or weight is None or gid is None or group_weight is None:
        return None
    product = group_weight * weight / 100
    if stated is not None and abs(stated - product) > COMBINED_TOLERANCE:
        check.error(
            data.line_of("combined"),
            f"组合权重 {stated:g} 与 一级权重×二级权重 ({product:.2f}) 不符",
        )
    return IndicatorDef(iid, name, description, gid, weight, stated if stated is not None else product)


def _unique_id(check: FileCheck, data: YDict, seen: dict[str, int]) -> str | None:
    ident = check.slug(data, "id", "指标 id")
    if ident is None:
        return None
    if ident in seen:
        check.error(data.line_of("id"), f"指标 id {ident!r} 重复 (第 {seen[ident]} 行已定义)")
        return None
    seen[ident] = data.line_of("id")
    return ident


def load_grades(path: Path, shown_as: str) -> tuple[tuple[GradeDef, ...], list[ContentError]]:
    data, errors = read_yaml(path, shown_as)
    if errors:
        return (), errors
    check = FileCheck(shown_as)
    root = check.mapping(data, 1, "职级文件")
    if root is None:
        return (), check.errors
    check.only_keys(root, {"grades"}, "职级文件")
    items = check.sequence(root.get("grades"), root.line_of("grades"), "grades")
    grades: list[GradeDef] = []
    codes: dict[str, int] = {}
    for rank, raw in enumerate(items, start=1):
        item = check.mapping(raw, items.line_of(rank - 1), "职级")
        if item is None:
            continue
        check.only_keys(item, {"code", "name", "min_tenure_months", "summary"}, "职级")
        code = check.slug(item, "code", "职级代码")
        name = check.get(item, "name", str)
        months = check.get(item, "min_tenure_months", int)
        summary = check.get(item, "summary", str, required=False, default="")
        if code in codes:
            check.error(item.line_of("code"), f"职级代码 {code!r} 重复 (第 {codes[code]} 行已定义)")
            continue
        if months is not None and months < 0:
            check.error(item.line_of("min_tenure_months"), "min_tenure_months 不能为负数")
            continue
        if grades and months is not None and months < grades[-1].min_tenure_months:
            check.error(item.line_of("min_tenure_months"), "职级应按任职年限从低到高排列")
            continue
        if code and name and months is not None:
            codes[code] = item.line_of("code")
            grades.append(GradeDef(code, name, rank, months, summary))
    if not items and not check.errors:
        check.error(root.line, "至少需要一个职级")
    return (tuple(grades), check.errors) if not check.errors else ((), check.errors)
