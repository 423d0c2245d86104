"""Phrase rules as data: polite-phrase groups, script types, banned phrases and the score weights.

Rules live in YAML under question_bank/phrases/ so trainers, not programmers, maintain them. They are
loaded from file texts (the database keeps the texts of the rules in force, so every app process
compiles the same rules) and validated with `path:line` errors; a rule set with any error is refused
as a whole, so a typo can never silently switch a rule off.

Phrases are literals. Patterns are regular expressions over the normalised text with conveniences:
`…` (or `...`) is a gap of up to `gap` characters inside one sentence, `{within:N}` a gap of up to N,
`{han}` one Chinese character, `{hans}` a short run of Chinese characters, letters or digits (a name,
a company), `{num}` digits. A banned rule can also require companions in the same sentence
(`with_all`) or be lifted by them (`without`).

Every pattern needs a fixed piece of text (its anchor) so that one Aho-Corasick pass
finds every candidate; the anchor is derived from the pattern.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content.check import FileCheck, is_slug
from ..content.errors import ContentError
from ..content.yamlio import YDict, parse_yaml
from .context import Context, compile_context, gap_regex
from .normalize import _to_simplified, fold

RULE_FILES = ("scoring.yaml", "groups.yaml", "scripts.yaml", "banned.yaml", "prescribed.yaml")
SEVERITIES = ("minor", "major", "critical")
POSITIONS = ("anywhere", "first_sentence", "last_sentence")
GROUP_IDS = ("greeting", "self_intro", "offer_help", "apology", "thanks", "reassurance", "closing", "hold")

_PLACEHOLDERS = {
    "{han}": "[\u4e00-\u9fff]",
    "{hans}": "[\u4e00-\u9fffa-z0-9×]{1,8}?",  # × : the reference's own placeholder (××物业)
    "{num}": "[0-9]+",
}
_FORBIDDEN_IN_PATTERN = re.compile(r"[\s\u3000，。！？；：（）、“”「」『』]|[A-Z](?<!\\[A-Z])")
_CJK_OR_ALNUM = re.compile(r"[\u4e00-\u9fffa-z0-9]")


@dataclass(frozen=True)
class Pattern:
    """A compiled pattern: the regex to confirm a match and the literal anchors that find candidates."""

    source: str
    regex: re.Pattern[str]
    anchors: tuple[str, ...]


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    literals: tuple[str, ...]
    patterns: tuple[Pattern, ...]
    source: str


@dataclass(frozen=True)
class Banned:
    phrase: str  # reported as "phrase" (Simplified)
    literals: tuple[str, ...]
    patterns: tuple[Pattern, ...]
    severity: str
    suggestion: str
    indicator: str
    allow: tuple[Context, ...]
    with_all: tuple[str, ...]  # counts only if the sentence also has every one of these
    without: tuple[str, ...]  # does not count if the sentence has any of these ("他不在, 您要留言吗?")
    alone: bool  # rude only as a whole sentence on its own ("哪里?")
    max_clause: int | None  # rude only in a clause this short ("他不在。")
    boundary: bool  # check jieba word boundaries ("喂养" is not "喂")
    source: str


@dataclass(frozen=True)
class Requirement:
    group: str
    where: str
    penalty: float


@dataclass(frozen=True)
class Script:
    id: str
    name: str
    description: str
    requires: tuple[Requirement, ...]
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class Scoring:
    pass_line: float
    missing_penalty: float
    severity_penalty: dict[str, float]
    severity_name: dict[str, str]
    critical_cap: float
    gap: int
    particles: frozenset[str]
    max_chars: int


@dataclass(frozen=True)
class RuleSet:
    version: str  # content hash of the rule files: stored with every report
    scoring: Scoring
    groups: dict[str, Group]
    scripts: dict[str, Script]
    banned: tuple[Banned, ...]
    prescribed: tuple[tuple[str, str], ...] = field(default=())  # (text, group) from the references

    def script(self, script_id: str | None) -> Script:
        return self.scripts[script_id or "any"]


# --- compiling phrases and patterns -----------------------------------------------------------------


_WITHIN = re.compile(r"\{within:(\d{1,2})\}")


def _expand(source: str, gap: int) -> str:
    text = _WITHIN.sub(lambda m: gap_regex(int(m.group(1))), source)
    text = text.replace("...", "…").replace("…", gap_regex(gap))
    for name, regex in _PLACEHOLDERS.items():
        text = text.replace(name, regex)
    return text


def _split_top_level(source: str) -> list[str]:
    """Split a pattern at `|` that is outside any group or class."""
    parts, depth, in_class, escaped, current = [], 0, False, False, []
    for ch in source:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


_PLAIN_GROUP = re.compile(r"\(((?:[\u4e00-\u9fffa-z0-9]+\|)*[\u4e00-\u9fffa-z0-9]+)\)(?![?*]|\{0,)")


def _anchors(alternative: str) -> tuple[str, ...]:
    """Fixed text that every match of `alternative` must contain, for the Aho-Corasick pass.

    The longest run of literal characters outside groups, classes and quantifiers; failing that,
    the alternatives of a plain group such as "(马上|立即)" (the one with the longest shortest
    alternative, so the automaton is fed as few one-character keys as possible).
    """
    runs: list[str] = []
    run: list[str] = []
    depth, i, n = 0, 0, len(alternative)

    def close() -> None:
        if run:
            runs.append("".join(run))
            run.clear()

    def optional(at: int) -> bool:
        return at < n and (alternative[at] in "?*" or alternative[at : at + 3] == "{0,")

    while i < n:
        ch = alternative[i]
        if ch == "\\":
            close()
            i += 2
            continue
        if ch in "[{":
            close()
            j = alternative.find("]" if ch == "[" else "}", i + 2 if alternative[i + 1 : i + 2] == "]" else i + 1)
            i = n if j < 0 else j + 1
            continue
        if ch == "(":
            close()
            depth += 1
        elif ch == ")":
            close()
            depth -= 1
        elif depth == 0 and _CJK_OR_ALNUM.match(ch):
            if optional(i + 1):
                close()
            else:
                run.append(ch)
                if i + 1 < n and alternative[i + 1] in "+{":
                    close()
        else:
            close()
        i += 1
    close()
    if runs:
        return (max(runs, key=len),)
    groups = [m.group(1).split("|") for m in _PLAIN_GROUP.finditer(alternative)]
    if not groups:
        return ()
    return tuple(max(groups, key=lambda options: min(map(len, options))))


def compile_pattern(source: str, gap: int) -> tuple[Pattern | None, str | None]:
    """Compile a rule pattern; returns (pattern, None) or (None, Chinese error message)."""
    source = _to_simplified(source.strip())
    bad = _FORBIDDEN_IN_PATTERN.search(source)
    if bad:
        return None, f"模式 {source!r} 含有 {bad.group()!r}: 模式匹配的是规范化文本, 请用半角标点、小写字母、不留空格"
    try:
        regex = re.compile(_expand(source, gap))
    except re.error as exc:
        return None, f"正则表达式无效 {source!r}: {exc}"
    anchors: list[str] = []
    for alternative in _split_top_level(_WITHIN.sub("{gap}", source).replace("...", "…").replace("…", "{gap}")):
        found = _anchors(alternative)
        if not found:
            return None, f"模式 {source!r} 的某个分支没有固定文字, 无法建立检索锚点"
        anchors.extend(found)
    return Pattern(source, regex, tuple(dict.fromkeys(anchors))), None


# --- loading -----------------------------------------------------------------------------------------


def rules_version(texts: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + texts[name].encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]


def read_rule_texts(folder: Path, shown_prefix: str = "") -> tuple[dict[str, str], list[ContentError]]:
    texts, errors = {}, []
    for name in RULE_FILES:
        path = folder / name
        shown = f"{shown_prefix}{name}"
        try:
            texts[name] = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            errors.append(ContentError(shown, 1, "找不到规则文件"))
        except UnicodeDecodeError as exc:
            errors.append(ContentError(shown, 1, f"文件不是 UTF-8 编码 (字节 {exc.start})"))
    return texts, errors


def load_rules(
    folder: Path, *, indicator_ids: frozenset[str] | None = None, shown_prefix: str = ""
) -> tuple[RuleSet | None, list[ContentError]]:
    texts, errors = read_rule_texts(folder, shown_prefix)
    if errors:
        return None, errors
    return rules_from_texts(texts, indicator_ids=indicator_ids, shown_prefix=shown_prefix)


def rules_from_texts(
    texts: dict[str, str], *, indicator_ids: frozenset[str] | None = None, shown_prefix: str = ""
) -> tuple[RuleSet | None, list[ContentError]]:
    """Parse and validate the rule files; (RuleSet, []) or (None, every problem found)."""
    docs: dict[str, Any] = {}
    errors: list[ContentError] = []
    checks: dict[str, FileCheck] = {}
    for name in RULE_FILES:
        shown = f"{shown_prefix}{name}"
        if name not in texts:
            errors.append(ContentError(shown, 1, "找不到规则文件"))
            continue
        data, problems = parse_yaml(texts[name], shown)
        errors += problems
        docs[name] = data
        checks[name] = FileCheck(shown)
    if errors:
        return None, errors

    scoring = _scoring(checks["scoring.yaml"], docs["scoring.yaml"])
    gap = scoring.gap if scoring else 8
    groups = _groups(checks["groups.yaml"], docs["groups.yaml"], gap)
    default_penalty = scoring.missing_penalty if scoring else 0.0
    scripts = _scripts(checks["scripts.yaml"], docs["scripts.yaml"], default_penalty, indicator_ids)
    banned = _banned(checks["banned.yaml"], docs["banned.yaml"], gap, indicator_ids)
    prescribed = _prescribed(checks["prescribed.yaml"], docs["prescribed.yaml"], groups)
    for check in checks.values():
        errors += check.errors
    if errors or scoring is None:
        return None, errors
    rules = RuleSet(rules_version(texts), scoring, groups, scripts, tuple(banned), tuple(p for p, _ in prescribed))
    errors += _check_prescribed(rules, checks["prescribed.yaml"], prescribed)
    return (None, errors) if errors else (rules, [])


def _scoring(check: FileCheck, data: Any) -> Scoring | None:
    root = check.mapping(data, 1, "评分设置")
    if root is None:
        return None
    check.only_keys(root, {"pass_line", "missing_penalty", "severity", "critical_cap", "gap", "particles",
                           "max_chars"}, "评分设置")
    pass_line = check.number(root, "pass_line", low=0, high=100)
    missing = check.number(root, "missing_penalty", low=0, high=100)
    cap = check.number(root, "critical_cap", low=0, high=100)
    gap = check.get(root, "gap", int)
    max_chars = check.get(root, "max_chars", int)
    particles = check.get(root, "particles", str, required=False, default="")
    severity = check.mapping(root.get("severity"), root.line_of("severity"), "severity")
    penalties, names = {}, {}
    if severity is not None:
        check.only_keys(severity, set(SEVERITIES), "severity")
        for level in SEVERITIES:
            item = check.mapping(severity.get(level), severity.line_of(level), f"severity.{level}")
            if item is None:
                continue
            check.only_keys(item, {"penalty", "name"}, f"severity.{level}")
            penalties[level] = check.number(item, "penalty", low=0, high=100)
            names[level] = check.get(item, "name", str)
    if cap is not None and pass_line is not None and cap >= pass_line:
        check.error(root.line_of("critical_cap"), "critical_cap 必须低于 pass_line, 否则恶劣忌语不会导致不及格")
    if gap is not None and not 1 <= gap <= 40:
        check.error(root.line_of("gap"), "gap 应在 1 到 40 之间")
    if check.errors or None in (pass_line, missing, cap, gap, max_chars) or None in penalties.values():
        return None
    return Scoring(pass_line, missing, penalties, names, cap, gap, frozenset(fold(particles)), max_chars)


def _text_list(check: FileCheck, data: YDict, key: str, what: str) -> list[tuple[str, int]]:
    """Non-empty strings of `data[key]` with their lines."""
    if key not in data:
        return []
    items = check.sequence(data[key], data.line_of(key), key)
    found = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            check.error(items.line_of(i), f"{what} 的 {key} 中第 {i + 1} 项应为非空文本")
        else:
            found.append((item.strip(), items.line_of(i)))
    return found


def _phrase_list(check: FileCheck, data: YDict, key: str, what: str) -> list[tuple[str, int]]:
    """Folded literals with their lines."""
    found = []
    for item, line in _text_list(check, data, key, what):
        folded = fold(item)
        if folded:
            found.append((folded, line))
        else:
            check.error(line, f"{what} 的 {key} {item!r} 规范化后为空")
    return found


def _pattern_list(check: FileCheck, data: YDict, what: str, gap: int) -> list[Pattern]:
    if "patterns" not in data:
        return []
    items = check.sequence(data["patterns"], data.line_of("patterns"), "patterns")
    patterns = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            check.error(items.line_of(i), f"{what} 的 patterns 中第 {i + 1} 项应为非空文本")
            continue
        pattern, problem = compile_pattern(item, gap)
        if problem:
            check.error(items.line_of(i), problem)
        else:
            patterns.append(pattern)
    return patterns


def _groups(check: FileCheck, data: Any, gap: int) -> dict[str, Group]:
    root = check.mapping(data, 1, "礼貌用语分组文件")
    if root is None:
        return {}
    check.only_keys(root, {"groups"}, "礼貌用语分组文件")
    groups_raw = check.mapping(root.get("groups"), root.line_of("groups"), "groups")
    if groups_raw is None:
        return {}
    groups: dict[str, Group] = {}
    seen: dict[str, tuple[str, int]] = {}
    for gid, raw in groups_raw.items():
        line = groups_raw.line_of(gid)
        if gid not in GROUP_IDS:
            check.error(line, f"未知的礼貌用语分组 {gid!r} (可用: {', '.join(GROUP_IDS)})")
            continue
        item = check.mapping(raw, line, f"分组 {gid}")
        if item is None:
            continue
        check.only_keys(item, {"name", "phrases", "patterns", "source"}, f"分组 {gid}")
        name = check.get(item, "name", str, default=gid)
        literals = _phrase_list(check, item, "phrases", f"分组 {gid}")
        for literal, lit_line in literals:
            if literal in seen:
                other, other_line = seen[literal]
                check.error(lit_line, f"礼貌用语 {literal!r} 重复 (第 {other_line} 行, 分组 {other})")
            seen[literal] = (gid, lit_line)
        patterns = _pattern_list(check, item, f"分组 {gid}", gap)
        if not literals and not patterns:
            check.error(line, f"分组 {gid} 至少需要一个 phrases 或 patterns")
        groups[gid] = Group(gid, name, tuple(lit for lit, _ in literals), tuple(patterns),
                            check.get(item, "source", str, required=False, default=""))
    for gid in GROUP_IDS:
        if gid not in groups and not check.errors:
            check.error(groups_raw.line, f"缺少礼貌用语分组 {gid!r}")
    return groups


def _scripts(
    check: FileCheck, data: Any, default_penalty: float, indicator_ids: frozenset[str] | None
) -> dict[str, Script]:
    root = check.mapping(data, 1, "话术类型文件")
    if root is None:
        return {}
    check.only_keys(root, {"scripts"}, "话术类型文件")
    raw_scripts = check.mapping(root.get("scripts"), root.line_of("scripts"), "scripts")
    if raw_scripts is None:
        return {}
    scripts: dict[str, Script] = {}
    for sid, raw in raw_scripts.items():
        line = raw_scripts.line_of(sid)
        if not isinstance(sid, str) or not is_slug(sid):
            check.error(line, f"话术类型 id {sid!r} 只能包含小写字母、数字、- 和 _")
            continue
        item = check.mapping(raw, line, f"话术类型 {sid}")
        if item is None:
            continue
        check.only_keys(item, {"name", "description", "requires", "indicators"}, f"话术类型 {sid}")
        requires = []
        items = check.sequence(item["requires"], item.line_of("requires"), "requires") if "requires" in item else []
        for i, req_raw in enumerate(items):
            req = check.mapping(req_raw, items.line_of(i), "requires 项")
            if req is None:
                continue
            check.only_keys(req, {"group", "where", "penalty"}, "requires 项")
            group = check.get(req, "group", str)
            where = check.get(req, "where", str, required=False, default="anywhere")
            penalty = check.number(req, "penalty", low=0, high=100, required=False)
            if group is not None and group not in GROUP_IDS:
                check.error(req.line_of("group"), f"未知的礼貌用语分组 {group!r}")
                continue
            if where not in POSITIONS:
                check.error(req.line_of("where"), f"where 应为 {' / '.join(POSITIONS)}")
                continue
            if group is not None:
                requires.append(Requirement(group, where, default_penalty if penalty is None else penalty))
        indicators = tuple(_indicators(check, item, indicator_ids))
        scripts[sid] = Script(sid, check.get(item, "name", str, default=sid),
                              check.get(item, "description", str, required=False, default=""),
                              tuple(requires), indicators)
    if "any" not in scripts and not check.errors:
        check.error(raw_scripts.line, "必须定义话术类型 'any' (不要求任何礼貌用语)")
    return scripts


def _indicators(check: FileCheck, item: YDict, indicator_ids: frozenset[str] | None) -> list[str]:
    if "indicators" not in item:
        return []
    values = check.sequence(item["indicators"], item.line_of("indicators"), "indicators")
    found = []
    for i, value in enumerate(values):
        if indicator_ids is not None and value not in indicator_ids:
            check.error(values.line_of(i), f"未知的能力指标 {value!r}")
        elif isinstance(value, str):
            found.append(value)
    return found


def _banned(check: FileCheck, data: Any, gap: int, indicator_ids: frozenset[str] | None) -> list[Banned]:
    root = check.mapping(data, 1, "服务忌语文件")
    if root is None:
        return []
    check.only_keys(root, {"banned"}, "服务忌语文件")
    items = check.sequence(root.get("banned"), root.line_of("banned"), "banned")
    banned: list[Banned] = []
    seen: dict[str, int] = {}
    keys = {"phrase", "variants", "patterns", "severity", "suggest", "indicator", "allow", "with_all", "without",
            "alone", "max_clause", "boundary", "source"}
    for i, raw in enumerate(items):
        item = check.mapping(raw, items.line_of(i), "忌语")
        if item is None:
            continue
        check.only_keys(item, keys, "忌语")
        phrase = check.get(item, "phrase", str)
        if phrase is None:
            continue
        canonical = fold(phrase)
        # With patterns, `phrase` only names the rule; otherwise it is itself the first literal.
        literals = [] if item.get("patterns") else [(canonical, item.line_of("phrase"))]
        literals += _phrase_list(check, item, "variants", f"忌语 {phrase}")
        for literal, line in literals:
            if literal in seen:
                check.error(line, f"忌语 {literal!r} 重复 (第 {seen[literal]} 行已定义)")
            seen[literal] = line
        patterns = _pattern_list(check, item, f"忌语 {phrase}", gap)
        severity = check.get(item, "severity", str)
        if severity is not None and severity not in SEVERITIES:
            check.error(item.line_of("severity"), f"severity 应为 {' / '.join(SEVERITIES)}")
        indicator = check.get(item, "indicator", str)
        if indicator is not None and indicator_ids is not None and indicator not in indicator_ids:
            check.error(item.line_of("indicator"), f"未知的能力指标 {indicator!r}")
        allow = []
        for context, line in _text_list(check, item, "allow", f"忌语 {phrase}"):
            pieces = [fold(piece) for piece in context.replace("...", "…").split("…")]
            if not patterns and not any(lit in piece for lit, _ in literals for piece in pieces):
                check.error(line, f"允许语境 {context!r} 不包含忌语 {phrase!r}, 永远不会生效")
            allow.append(compile_context(context, gap))
        max_clause = check.get(item, "max_clause", int, required=False)
        banned.append(Banned(
            phrase=canonical,
            literals=tuple(lit for lit, _ in literals),
            patterns=tuple(patterns),
            severity=severity or "minor",
            suggestion=check.get(item, "suggest", str) or "",
            indicator=indicator or "",
            allow=tuple(allow),
            with_all=tuple(lit for lit, _ in _phrase_list(check, item, "with_all", f"忌语 {phrase}")),
            without=tuple(lit for lit, _ in _phrase_list(check, item, "without", f"忌语 {phrase}")),
            alone=bool(check.get(item, "alone", bool, required=False, default=False)),
            max_clause=max_clause,
            boundary=bool(check.get(item, "boundary", bool, required=False, default=not patterns)),
            source=check.get(item, "source", str, required=False, default=""),
        ))
    return banned


def _prescribed(check: FileCheck, data: Any, groups: dict[str, Group]) -> list[tuple[tuple[str, str], int]]:
    root = check.mapping(data, 1, "规范用语文件")
    if root is None:
        return []
    check.only_keys(root, {"prescribed"}, "规范用语文件")
    items = check.sequence(root.get("prescribed"), root.line_of("prescribed"), "prescribed")
    found = []
    for i, raw in enumerate(items):
        item = check.mapping(raw, items.line_of(i), "规范用语")
        if item is None:
            continue
        check.only_keys(item, {"text", "group"}, "规范用语")
        text, group = check.get(item, "text", str), check.get(item, "group", str)
        if group is not None and group not in groups:
            check.error(item.line_of("group"), f"未知的礼貌用语分组 {group!r}")
        elif text and group:
            found.append(((text, group), item.line))
    return found


def _check_prescribed(rules: RuleSet, check: FileCheck, prescribed) -> list[ContentError]:
    """Every prescribed polite phrase of the references must be recognised as its group."""
    from .scorer import score  # the scorer needs a complete RuleSet, so this check runs last

    errors = []
    for (text, group), line in prescribed:
        report = score(text, "any", rules)
        if group not in {hit.group for hit in report.found}:
            errors.append(ContentError(check.path, line, f"规范用语 {text!r} 没有被识别为分组 {group!r}"))
        if report.banned:
            errors.append(ContentError(check.path, line, f"规范用语 {text!r} 被误判为忌语 {report.banned[0].phrase!r}"))
    return errors
