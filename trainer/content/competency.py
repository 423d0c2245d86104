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
class ModelProvenance:
    """How the study arrived at the weights, shown beside every weight set made from the file."""

    study: str
    experts: int | None = None
    rounds: int | None = None
    #: Kendall's W of the final round, per level (0-1)
    w_first: float | None = None
    w_second: float | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON kept as the weight set's provenance (the same `w` shape a Delphi survey writes)."""
        data: dict[str, object] = {"kind": "model_file", "study": self.study}
        if self.experts is not None:
            data["experts"] = self.experts
        if self.rounds is not None:
            data["rounds"] = self.rounds
        if self.w_first is not None or self.w_second is not None:
            data["w"] = {"first_level": self.w_first, "second_level": self.w_second}
        return data


@dataclass(frozen=True)
class CompetencyModel:
    name: str
    source: str
    groups: tuple[GroupDef, ...]
    content_hash: str
    provenance: ModelProvenance | None = None

    @property
    def indicators(self) -> tuple[IndicatorDef, ...]:
        return tuple(ind for group in self.groups for ind in group.indicators)

    @property
    def indicator_ids(self) -> frozenset[str]:
        return frozenset(ind.id for ind in self.indicators)


@dataclass(frozen=True)
class GradeRules:
    """What promotion INTO a grade needs besides tenure (all optional; an empty set means tenure alone)."""

    index_at_least: float | None = None
    #: (second-level indicator id, minimum score 0-100), in file order
    indicators: tuple[tuple[str, float], ...] = ()
    #: at most this many violation points over the last `violation_months` months (this month included)
    violation_points_at_most: int | None = None
    violation_months: int | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON stored on the grade row (keys as in the file)."""
        data: dict[str, object] = {}
        if self.index_at_least is not None:
            data["index_at_least"] = self.index_at_least
        if self.indicators:
            data["indicators"] = dict(self.indicators)
        if self.violation_points_at_most is not None:
            data["violation_points"] = {"at_most": self.violation_points_at_most, "months": self.violation_months}
        return data


@dataclass(frozen=True)
class GradeDef:
    code: str
    name: str
    rank: int
    min_tenure_months: int
    summary: str
    rules: GradeRules = GradeRules()


def load_model(path: Path, shown_as: str) -> tuple[CompetencyModel | None, list[ContentError]]:
    data, errors = read_yaml(path, shown_as)
    if errors:
        return None, errors
    check = FileCheck(shown_as)
    root = check.mapping(data, 1, "能力模型文件")
    if root is None:
        return None, check.errors
    check.only_keys(root, {"name", "source", "provenance", "groups"}, "能力模型")
    name = check.get(root, "name", str, default="")
    source = check.get(root, "source", str, required=False, default="")
    provenance = _provenance(check, root, source)
    groups_raw = check.sequence(root.get("groups"), root.line_of("groups"), "groups")
    seen: dict[str, int] = {}
    parsed = [_group(check, item, groups_raw.line_of(i), seen) for i, item in enumerate(groups_raw)]
    groups = [g for g in parsed if g is not None]
    if groups and not check.errors:
        total = sum(g.weight for g in groups)
        if abs(total - 100) > WEIGHT_SUM_TOLERANCE:
            check.error(groups_raw.line, f"一级指标权重之和应为 100 (现为 {total:.2f})")
    if not groups and not check.errors:
        check.error(root.line, "能力模型至少需要一个一级指标")
    if check.errors:
        return None, check.errors
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return CompetencyModel(name=name, source=source, groups=tuple(groups), content_hash=digest,
                           provenance=provenance), []


def _provenance(check: FileCheck, root: YDict, source: str) -> ModelProvenance | None:
    """The optional `provenance:` block: the study's experts, rounds and final Kendall's W per level."""
    if root.get("provenance") is None:
        return None
    data = check.mapping(root["provenance"], root.line_of("provenance"), "provenance")
    if data is None:
        return None
    check.only_keys(data, {"study", "experts", "rounds", "w_first_level", "w_second_level"}, "provenance")
    study = check.get(data, "study", str, required=False, default=source)
    counts = {}
    for key in ("experts", "rounds"):
        value = check.get(data, key, int, required=False)
        if value is not None and value < 1:
            check.error(data.line_of(key), f"provenance.{key} 至少为 1")
            value = None
        counts[key] = value
    w_first = check.number(data, "w_first_level", low=0, high=1, required=False)
    w_second = check.number(data, "w_second_level", low=0, high=1, required=False)
    return ModelProvenance(study=study, experts=counts["experts"], rounds=counts["rounds"], w_first=w_first,
                           w_second=w_second)


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


def load_grades(
    path: Path, shown_as: str, indicators: frozenset[str] | None = None
) -> tuple[tuple[GradeDef, ...], list[ContentError]]:
    """The grades, lowest first, with their promotion rules.

    ``indicators`` are the second-level indicator ids a rule may name; when not given they are read from
    ``model.yaml`` beside the grades file (a broken model file is reported on its own, and its ids are then
    not checked here).
    """
    data, errors = read_yaml(path, shown_as)
    if errors:
        return (), errors
    if indicators is None:
        indicators = _model_indicators(path.parent / "model.yaml")
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
        check.only_keys(item, {"code", "name", "min_tenure_months", "summary", "rules"}, "职级")
        code = check.slug(item, "code", "职级代码")
        name = check.get(item, "name", str)
        months = check.get(item, "min_tenure_months", int)
        summary = check.get(item, "summary", str, required=False, default="")
        rules = _grade_rules(check, item, indicators)
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
            grades.append(GradeDef(code, name, rank, months, summary, rules))
    if not items and not check.errors:
        check.error(root.line, "至少需要一个职级")
    return (tuple(grades), check.errors) if not check.errors else ((), check.errors)


def _model_indicators(model_path: Path) -> frozenset[str] | None:
    if not model_path.is_file():
        return None
    model, problems = load_model(model_path, model_path.name)
    return None if problems or model is None else model.indicator_ids


def _grade_rules(check: FileCheck, item: YDict, indicators: frozenset[str] | None) -> GradeRules:
    """The grade's `rules:` block; every bad key, negative number or unknown indicator is reported at its line."""
    if "rules" not in item or item["rules"] is None:
        return GradeRules()
    rules = check.mapping(item["rules"], item.line_of("rules"), "晋级条件 rules")
    if rules is None:
        return GradeRules()
    check.only_keys(rules, {"index_at_least", "indicators", "violation_points"}, "晋级条件 rules")
    index = check.number(rules, "index_at_least", low=0, high=100, required=False)
    minimums: list[tuple[str, float]] = []
    if rules.get("indicators") is not None:
        named = check.mapping(rules["indicators"], rules.line_of("indicators"), "indicators")
        if named is not None:
            for ident in named:
                line = named.line_of(ident)
                value = named[ident]
                if indicators is not None and ident not in indicators:
                    check.error(line, f"未知的二级指标 {ident!r} (见 model.yaml)")
                elif isinstance(value, bool) or not isinstance(value, int | float):
                    check.error(line, f"指标 {ident!r} 的最低分应为数字")
                elif not 0 <= value <= 100:
                    check.error(line, f"指标 {ident!r} 的最低分应在 0 到 100 之间 (现为 {value:g})")
                else:
                    minimums.append((str(ident), float(value)))
    at_most = months = None
    if rules.get("violation_points") is not None:
        points = check.mapping(rules["violation_points"], rules.line_of("violation_points"), "violation_points")
        if points is not None:
            check.only_keys(points, {"at_most", "months"}, "violation_points")
            at_most = check.get(points, "at_most", int)
            months = check.get(points, "months", int)
            if at_most is not None and at_most < 0:
                check.error(points.line_of("at_most"), "violation_points.at_most 不能为负数")
                at_most = None
            if months is not None and months < 1:
                check.error(points.line_of("months"), "violation_points.months 至少为 1")
                months = None
            if at_most is None or months is None:
                at_most = months = None
    return GradeRules(index_at_least=index, indicators=tuple(minimums), violation_points_at_most=at_most,
                      violation_months=months)
