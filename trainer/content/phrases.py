"""Reading question_bank/phrases/: the polite-phrase groups, script types, banned phrases, scoring weights
and key-point vocabularies, validated with `path:line` errors into the scorer's RuleSet.

A rule set with any error is refused as a whole, so a typo can never silently switch a rule off. The
database keeps the texts of the rules in force (every app process compiles the same rules from them);
`rules_from_texts` is the one parser for files on disk and texts from the database alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..scoring.acts import ActMarkers
from ..scoring.context import compile_context
from ..scoring.form import FormSettings
from ..scoring.normalize import fold
from ..scoring.rules import (
    GROUP_IDS,
    POSITIONS,
    SEVERITIES,
    Banned,
    Group,
    Pattern,
    Requirement,
    RuleSet,
    Scoring,
    Script,
    compile_pattern,
    rules_version,
)
from ..scoring.settings import GradeSettings, Vocabulary
from .check import FileCheck, is_slug
from .errors import ContentError
from .yamlio import YDict, YList, parse_yaml

RULE_FILES = ("scoring.yaml", "groups.yaml", "scripts.yaml", "banned.yaml", "prescribed.yaml", "vocabularies.yaml")
GRADE_PARTS = ("phrases", "key_points", "facts", "relevance", "form")
CHANNELS = ("phone", "counter", "chat", "default")
DOMAINS = ("property", "utility", "ecommerce", "telecom", "any")


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
    generic = scoring.grade.generic_words if scoring else frozenset()
    vocabularies = _vocabularies(checks["vocabularies.yaml"], docs["vocabularies.yaml"], generic)
    for check in checks.values():
        errors += check.errors
    if errors or scoring is None:
        return None, errors
    rules = RuleSet(rules_version(texts), scoring, groups, scripts, tuple(banned), tuple(p for p, _ in prescribed),
                    tuple(vocabularies))
    errors += _check_prescribed(rules, checks["prescribed.yaml"], prescribed)
    return (None, errors) if errors else (rules, [])


def _scoring(check: FileCheck, data: Any) -> Scoring | None:
    root = check.mapping(data, 1, "评分设置")
    if root is None:
        return None
    check.only_keys(root, {"pass_line", "missing_penalty", "severity", "critical_cap", "gap", "particles",
                           "max_chars", "grade", "acts", "time", "stopwords", "generic_words"}, "评分设置")
    pass_line = check.number(root, "pass_line", low=0, high=100)
    missing = check.number(root, "missing_penalty", low=0, high=100)
    cap = check.number(root, "critical_cap", low=0, high=100)
    gap = check.get(root, "gap", int)
    max_chars = check.get(root, "max_chars", int)
    particles = check.get(root, "particles", str, required=False, default="")
    severity = check.mapping(root.get("severity"), root.line_of("severity"), "severity")
    penalties: dict[str, float] = {}
    names: dict[str, str] = {}
    unset = False  # a severity level without a valid penalty (already reported)
    if severity is not None:
        check.only_keys(severity, set(SEVERITIES), "severity")
        for level in SEVERITIES:
            item = check.mapping(severity.get(level), severity.line_of(level), f"severity.{level}")
            if item is None:
                continue
            check.only_keys(item, {"penalty", "name"}, f"severity.{level}")
            penalty = check.number(item, "penalty", low=0, high=100)
            if penalty is None:
                unset = True
            else:
                penalties[level] = penalty
            names[level] = check.get(item, "name", str)
    if cap is not None and pass_line is not None and cap >= pass_line:
        check.error(root.line_of("critical_cap"), "critical_cap 必须低于 pass_line, 否则恶劣忌语不会导致不及格")
    if gap is not None and not 1 <= gap <= 40:
        check.error(root.line_of("gap"), "gap 应在 1 到 40 之间")
    grade = _grade(check, root)
    if (check.errors or pass_line is None or missing is None or cap is None or gap is None or max_chars is None
            or grade is None or unset):
        return None
    return Scoring(pass_line, missing, penalties, names, cap, gap, frozenset(fold(particles)), max_chars, grade)


def _words(check: FileCheck, data: YDict, key: str, what: str) -> tuple[str, ...]:
    return tuple(word for word, _ in _text_list(check, data, key, what))


def _grade(check: FileCheck, root: YDict) -> GradeSettings | None:
    """The `grade`, `acts`, `time`, `stopwords` and `generic_words` sections of scoring.yaml."""
    grade = check.mapping(root.get("grade"), root.line_of("grade"), "grade")
    acts = check.mapping(root.get("acts"), root.line_of("acts"), "acts")
    time = check.mapping(root.get("time"), root.line_of("time"), "time")
    if grade is None or acts is None or time is None:
        return None
    check.only_keys(grade, {"weights", "fact_penalty", "key_points_pass", "caps", "relevance", "form"}, "grade")
    weights_raw = check.mapping(grade.get("weights"), grade.line_of("weights"), "grade.weights")
    weights: dict[str, float | None] = {}
    if weights_raw is not None:
        check.only_keys(weights_raw, set(GRADE_PARTS), "grade.weights")
        weights = {part: check.number(weights_raw, part, low=0, high=100) for part in GRADE_PARTS}
    caps = check.mapping(grade.get("caps"), grade.line_of("caps"), "grade.caps")
    relevance = check.mapping(grade.get("relevance"), grade.line_of("relevance"), "grade.relevance")
    form = check.mapping(grade.get("form"), grade.line_of("form"), "grade.form")
    fact_penalty = check.number(grade, "fact_penalty", low=0, high=100)
    key_points_pass = check.number(grade, "key_points_pass", low=0, high=1)
    if caps is None or relevance is None or form is None:
        return None
    check.only_keys(caps, {"off_topic", "not_a_sentence", "repeated", "contradicts"}, "grade.caps")
    check.only_keys(relevance, {"floor", "full"}, "grade.relevance")
    check.only_keys(form, {"fragment", "length", "length_penalty", "length_max_penalty", "repeat_similarity"},
                    "grade.form")
    floor = check.number(relevance, "floor", low=0, high=1)
    full = check.number(relevance, "full", low=0, high=1)
    if floor is not None and full is not None and full <= floor:
        check.error(relevance.line_of("full"), "relevance.full 必须大于 relevance.floor")
    fragment = check.mapping(form.get("fragment"), form.line_of("fragment"), "grade.form.fragment")
    lengths = check.mapping(form.get("length"), form.line_of("length"), "grade.form.length")
    bands: dict[str, tuple[int, int]] = {}
    if lengths is not None:
        check.only_keys(lengths, set(CHANNELS), "grade.form.length")
        for channel, band in lengths.items():
            if (not isinstance(band, list) or len(band) != 2 or not all(isinstance(n, int) and n > 0 for n in band)
                    or band[0] >= band[1]):
                check.error(lengths.line_of(channel), f"{channel} 应写成 [合适的字数, 上限], 两个正整数且前者小于后者")
            else:
                bands[channel] = (band[0], band[1])
    min_pieces = max_piece = function_chars = None
    if fragment is not None:
        check.only_keys(fragment, {"min_pieces", "max_piece", "function_chars"}, "grade.form.fragment")
        min_pieces = check.get(fragment, "min_pieces", int)
        max_piece = check.get(fragment, "max_piece", int)
        function_chars = check.get(fragment, "function_chars", str)
    check.only_keys(acts, {"ask", "instruct", "acknowledge", "offer"}, "acts")
    check.only_keys(time, {"units", "words"}, "time")
    limits = (*(check.number(caps, k, low=0, high=100) for k in ("off_topic", "not_a_sentence", "repeated",
                                                                  "contradicts")),
              *(check.number(form, k, low=0, high=100) for k in ("length_penalty", "length_max_penalty",
                                                                 "repeat_similarity")))
    if (None in weights.values() or fact_penalty is None or key_points_pass is None or floor is None or full is None
            or min_pieces is None or max_piece is None or function_chars is None or None in limits):
        return None
    ask, instruct, acknowledge, offer = (_words(check, acts, act, "acts")
                                         for act in ("ask", "instruct", "acknowledge", "offer"))
    markers = ActMarkers(ask, instruct, acknowledge, offer, time_units=_words(check, time, "units", "time"),
                         time_words=_words(check, time, "words", "time"))
    return GradeSettings(
        weights={k: float(v) for k, v in weights.items() if v is not None}, fact_penalty=float(fact_penalty),
        key_points_pass=float(key_points_pass),
        off_topic_cap=float(caps["off_topic"]), fragment_cap=float(caps["not_a_sentence"]),
        repeat_cap=float(caps["repeated"]), contradiction_cap=float(caps["contradicts"]),
        relevance_floor=float(floor), relevance_full=float(full),
        form=FormSettings(int(min_pieces), int(max_piece), frozenset(fold(function_chars)), bands,
                          float(form["length_penalty"]), float(form["length_max_penalty"]),
                          float(form["repeat_similarity"])),
        markers=markers, stopwords=frozenset(fold(w) for w in _words(check, root, "stopwords", "评分设置")),
        generic_words=frozenset(fold(w) for w in _words(check, root, "generic_words", "评分设置")),
    )


def _vocabularies(check: FileCheck, data: Any, generic: frozenset[str]) -> list[Vocabulary]:
    """Named key-point vocabularies (`$room`), each with its domain and, optionally, its act and need."""
    from ..scoring.acts import ACTS

    root = check.mapping(data, 1, "要点词表")
    if root is None:
        return []
    check.only_keys(root, {"vocabularies"}, "要点词表")
    items = check.sequence(root.get("vocabularies"), root.line_of("vocabularies"), "vocabularies")
    found: list[Vocabulary] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        entry = check.mapping(item, items.line_of(index), "词表")
        if entry is None:
            continue
        check.only_keys(entry, {"id", "name", "domain", "act", "needs", "phrases"}, "词表")
        ident = check.slug(entry, "id", "词表 id")
        name = check.get(entry, "name", str)
        domain = check.get(entry, "domain", str)
        act = check.get(entry, "act", str, required=False)
        needs = check.get(entry, "needs", str, required=False)
        if ident in seen:
            check.error(entry.line_of("id"), f"词表 {ident!r} 重复 (第 {seen[ident]} 行已定义)")
        elif ident:
            seen[ident] = entry.line_of("id")
        if domain is not None and domain not in DOMAINS:
            check.error(entry.line_of("domain"), f"domain 应为 {', '.join(DOMAINS)} 之一")
        if act is not None and act not in ACTS:
            check.error(entry.line_of("act"), f"act 应为 {', '.join(ACTS)} 之一")
        if needs is not None and needs != "time":
            check.error(entry.line_of("needs"), "needs 目前只能是 time")
        phrases = []
        for phrase, line in _text_list(check, entry, "phrases", f"词表 {ident}"):
            problem = evidence_problem(phrase, generic)
            if problem:
                check.error(line, problem)
            phrases.append(phrase)
        if not phrases:
            check.error(entry.line, f"词表 {ident} 至少需要一个词")
        if ident and name and domain in DOMAINS and phrases:
            found.append(Vocabulary(ident, name, domain, tuple(phrases), act, needs))
    return found


def evidence_problem(phrase: str, generic: frozenset[str]) -> str | None:
    """Why `phrase` cannot be key-point evidence: one character, or a word every reply contains."""
    folded = fold(phrase.replace("…", "").replace("...", ""))
    if len(folded) <= 1:
        return f"要点词 {phrase!r} 只有一个字, 几乎任何回复都会碰到, 不能作为要点的依据"
    if folded in generic:
        return f"要点词 {phrase!r} 太笼统 (见 scoring.yaml 的 generic_words), 不能作为要点的依据"
    return None


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
    patterns: list[Pattern] = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            check.error(items.line_of(i), f"{what} 的 patterns 中第 {i + 1} 项应为非空文本")
            continue
        pattern, problem = compile_pattern(item, gap)
        if problem:
            check.error(items.line_of(i), problem)
        elif pattern is not None:  # always, when there is no problem
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
        items = (check.sequence(item["requires"], item.line_of("requires"), "requires") if "requires" in item
                 else YList())
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
        # a list or mapping here is unhashable: test the type before looking it up
        if not isinstance(value, str) or (indicator_ids is not None and value not in indicator_ids):
            check.error(values.line_of(i), f"未知的能力指标 {value!r}")
        else:
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


def _check_prescribed(
    rules: RuleSet, check: FileCheck, prescribed: list[tuple[tuple[str, str], int]],
) -> list[ContentError]:
    """Every prescribed polite phrase of the references must be recognised as its group."""
    from ..scoring.scorer import score  # the scorer needs a complete RuleSet, so this check runs last

    errors = []
    for (text, group), line in prescribed:
        report = score(text, "any", rules)
        if group not in {hit.group for hit in report.found}:
            errors.append(ContentError(check.path, line, f"规范用语 {text!r} 没有被识别为分组 {group!r}"))
        if report.banned:
            errors.append(ContentError(check.path, line, f"规范用语 {text!r} 被误判为忌语 {report.banned[0].phrase!r}"))
    return errors
