"""Supervisor rubrics: question_bank/rubrics/<id>.yaml parsed into complete, frozen rating scales.

A supervisor rates an item (a role-play transcript, a course practice reply, an exam answer, a free
practice reply, a one-to-one drill) on the competency indicators it shows, choosing a level 1–5
whose anchored description says what a reply at that level looks like; the rubric's scale turns the
level into an evidence value 0–100. So that every item can be rated on whatever it evidences, a
rubric covers every indicator of the model. Most anchors are shared: a rubric may `extends:` another
and restate only the indicators whose wording should fit its kind of item — each indicator it lists
comes with all five levels, the rest are inherited whole. Every item kind has exactly one default
rubric; a scenario or a course may name another (`rubric: <id>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .check import FileCheck
from .errors import ContentError, display_path
from .yamlio import YDict, read_yaml

ITEM_KINDS = ("roleplay", "course_practice", "exam_answer", "exam_essay", "practice", "drill")
RATINGS = (1, 2, 3, 4, 5)
_KEYS = {"id", "name", "description", "default_for", "extends", "scale", "indicators"}


@dataclass(frozen=True)
class RubricDef:
    id: str
    name: str
    description: str
    default_for: str | None  # the item kind this rubric is the default for (one of ITEM_KINDS)
    scale: dict[int, float]  # rating 1–5 → evidence value 0–100, non-decreasing
    levels: dict[str, dict[int, str]]  # indicator id → rating 1–5 → anchored description
    extends: str | None = None  # the rubric it inherited its other anchors (and maybe its scale) from
    path: str = ""

    def value(self, rating: int) -> float:
        """The evidence value (0–100) a rating stands for; a rating outside 1–5 is a programming error."""
        if isinstance(rating, bool) or not isinstance(rating, int) or rating not in self.scale:
            raise ValueError(f"rating must be an integer 1–5, not {rating!r}")
        return self.scale[rating]

    def anchor(self, indicator: str, rating: int) -> str:
        return self.levels[indicator][rating]


def rubric_for(rubrics: dict[str, RubricDef], kind: str, named: str | None = None) -> RubricDef | None:
    """The rubric an item is rated on: the one its scenario or course names, else its kind's default."""
    if named is not None and named in rubrics:
        return rubrics[named]
    return next((r for r in rubrics.values() if r.default_for == kind), None)


@dataclass
class _Parsed:
    """One file's own content, before `extends` fills in what it does not restate."""

    id: str
    name: str
    description: str
    default_for: str | None
    extends: str | None
    scale: dict[int, float] | None
    levels: dict[str, dict[int, str]]
    path: str
    root: YDict


def load_rubrics(
    folder: Path, root: Path, *, indicators: frozenset[str] | None,
) -> tuple[dict[str, RubricDef], list[ContentError]]:
    """Load every rubric in `folder`; `indicators` (the model's ids, or None when it failed) checks coverage."""
    shown_folder = display_path(folder, root)
    if not folder.is_dir():
        return {}, [ContentError(shown_folder, 1, "找不到评分表文件夹")]
    errors: list[ContentError] = []
    parsed: dict[str, _Parsed] = {}
    claims: dict[str, list[tuple[str, str, int]]] = {kind: [] for kind in ITEM_KINDS}  # kind → (id, path, line)
    paths = sorted(folder.glob("*.yaml"))
    for path in paths:
        item, problems = _parse(path, display_path(path, root), indicators, claims)
        errors += problems
        if item is not None:
            parsed[item.id] = item
    for kind, claimed in claims.items():
        for ident, where, line in claimed[1:]:
            first_id, first_path, _ = claimed[0]
            errors.append(ContentError(where, line, f"{kind} 已有默认评分表 {first_id!r} ({first_path}), "
                                                   f"{ident!r} 不能再作为它的默认评分表"))
        if not claimed:
            errors.append(ContentError(shown_folder, 1,
                                       f"缺少 {kind} 的默认评分表 (须有一个评分表写 default_for: {kind})"))
    # A file that failed on its own still names a rubric: extending it is not "unknown", just not resolvable yet.
    known = {p.stem for p in paths}
    rubrics, problems = _resolve(parsed, known)
    return rubrics, errors + problems


def _parse(
    path: Path, shown: str, indicators: frozenset[str] | None, claims: dict[str, list[tuple[str, str, int]]],
) -> tuple[_Parsed | None, list[ContentError]]:
    data, errors = read_yaml(path, shown)
    if errors:
        return None, errors
    check = FileCheck(shown)
    root = check.mapping(data, 1, "评分表文件")
    if root is None:
        return None, check.errors
    check.only_keys(root, _KEYS, "评分表")
    ident = check.slug(root, "id", "评分表 id")
    if ident is not None and ident != path.stem:
        check.error(root.line_of("id"), f"评分表 id {ident!r} 应与文件名 {path.stem!r} 相同")
    name = check.get(root, "name", str)
    description = check.get(root, "description", str, required=False, default="")
    default_for = check.get(root, "default_for", str, required=False)
    if default_for is not None and default_for not in ITEM_KINDS:
        check.error(root.line_of("default_for"), f"default_for 应为 {' / '.join(ITEM_KINDS)}")
        default_for = None
    if default_for is not None:
        # recorded even when the file has other problems, so a broken default is not also reported as missing
        claims[default_for].append((ident or path.stem, shown, root.line_of("default_for")))
    extends = check.get(root, "extends", str, required=False)
    scale = _scale(check, root) if "scale" in root else None
    if extends is None and "scale" not in root:
        check.error(root.line, "缺少字段 'scale' (不继承其他评分表时必须写明等级与分值的对应)")
    levels = _indicators(check, root, indicators)
    listed = root.get("indicators")
    if extends is None and indicators is not None and isinstance(listed, YDict):
        missing = [ind for ind in sorted(indicators) if ind not in listed]
        if missing:
            check.error(root.line_of("indicators"), f"缺少能力指标 {', '.join(missing)} 的锚定描述 "
                                                    "(不继承其他评分表时须列出模型的全部指标)")
    if extends is None and "indicators" not in root:
        check.error(root.line, "缺少字段 'indicators'")
    if check.errors or ident is None or name is None:
        return None, check.errors
    return _Parsed(ident, name, description, default_for, extends, scale, levels, shown, root), []


def _scale(check: FileCheck, root: YDict) -> dict[int, float] | None:
    data = check.mapping(root["scale"], root.line_of("scale"), "scale")
    if data is None:
        return None
    scale: dict[int, float] = {}
    for key, value in data.items():
        line = data.line_of(key)
        rating = _rating(check, key, line)
        if rating is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            check.error(line, f"等级 {rating} 的分值应为数字")
            continue
        if not 0 <= value <= 100:
            check.error(line, f"等级 {rating} 的分值应在 0 到 100 之间 (现为 {value:g})")
            continue
        scale[rating] = float(value)
    missing = [str(r) for r in RATINGS if r not in data]
    if missing:
        check.error(root.line_of("scale"), f"scale 缺少等级 {', '.join(missing)} 的分值")
    previous = None
    for rating in RATINGS:
        if rating not in scale:
            continue
        if previous is not None and scale[rating] < scale[previous]:
            check.error(data.line_of(rating), f"分值应随等级不减: 等级 {rating} 为 {scale[rating]:g}, "
                                              f"低于等级 {previous} 的 {scale[previous]:g}")
        previous = rating
    return scale


def _rating(check: FileCheck, key: object, line: int) -> int | None:
    if isinstance(key, bool) or not isinstance(key, int):
        check.error(line, f"等级应为 1 到 5 的整数 (现为 {key!r})")
        return None
    if key not in RATINGS:
        check.error(line, f"等级 {key} 超出范围, 应为 1 到 5")
        return None
    return key


def _indicators(check: FileCheck, root: YDict, indicators: frozenset[str] | None) -> dict[str, dict[int, str]]:
    if "indicators" not in root:
        return {}
    data = check.mapping(root["indicators"], root.line_of("indicators"), "indicators")
    if data is None:
        return {}
    levels: dict[str, dict[int, str]] = {}
    for ind, raw in data.items():
        line = data.line_of(ind)
        if indicators is not None and ind not in indicators:
            check.error(line, f"未知的能力指标 {ind!r}")
            continue
        anchors = check.mapping(raw, line, f"指标 {ind!r} 的锚定描述")
        if anchors is None:
            continue
        found: dict[int, str] = {}
        for key, text in anchors.items():
            key_line = anchors.line_of(key)
            rating = _rating(check, key, key_line)
            if rating is None:
                continue
            if text is None or (isinstance(text, str) and not text.strip()):
                check.error(key_line, f"指标 {ind!r} 等级 {rating} 的锚定描述不能为空")
            elif not isinstance(text, str):
                check.error(key_line, f"指标 {ind!r} 等级 {rating} 的锚定描述应为文本")
            else:
                found[rating] = " ".join(text.split())
        missing = [str(r) for r in RATINGS if r not in anchors]
        if missing:
            check.error(line, f"指标 {ind!r} 缺少等级 {', '.join(missing)} 的锚定描述")
        levels[str(ind)] = found
    return levels


def _resolve(parsed: dict[str, _Parsed], known: set[str]) -> tuple[dict[str, RubricDef], list[ContentError]]:
    """Fill each rubric in from the one it extends; unknown parents and inheritance loops are errors."""
    errors: list[ContentError] = []
    stuck: set[str] = set()
    for ident, item in parsed.items():
        if item.extends is None:
            continue
        if item.extends not in known:
            errors.append(ContentError(item.path, item.root.line_of("extends"),
                                       f"extends 的评分表 {item.extends!r} 不存在"))
            stuck.add(ident)
            continue
        trail, current = [ident], item.extends
        while current in parsed and (parent := parsed[current].extends) is not None and current not in trail:
            trail.append(current)
            current = parent
        if current == ident:
            loop = " → ".join([*trail, ident])
            errors.append(ContentError(item.path, item.root.line_of("extends"), f"评分表继承形成循环: {loop}"))
            stuck.add(ident)

    rubrics: dict[str, RubricDef] = {}

    def build(ident: str, seen: frozenset[str]) -> RubricDef | None:
        if ident in rubrics:
            return rubrics[ident]
        item = parsed.get(ident)
        if item is None or ident in stuck or ident in seen:
            return None  # a broken file, a reported loop or unknown parent, or an unreported loop further up
        parent = None
        if item.extends is not None:
            parent = build(item.extends, seen | {ident})
            if parent is None:
                return None
        # copies, so no two rubrics share (and could both be changed through) one anchors mapping
        levels = {ind: dict(anchors) for ind, anchors in parent.levels.items()} if parent else {}
        levels.update({ind: dict(anchors) for ind, anchors in item.levels.items()})
        if item.scale is not None:
            scale = item.scale
        else:
            assert parent is not None  # a root rubric always has its own
            scale = parent.scale
        rubric = RubricDef(
            id=item.id, name=item.name, description=item.description, default_for=item.default_for,
            scale=dict(sorted(scale.items())),
            levels={ind: dict(sorted(levels[ind].items())) for ind in sorted(levels)},
            extends=item.extends, path=item.path,
        )
        rubrics[ident] = rubric
        return rubric

    for ident in sorted(parsed):
        build(ident, frozenset())
    return dict(sorted(rubrics.items())), errors
