"""Micro-courses: courses/<folder>/course.yaml plus lesson Markdown, checked and turned into frozen data.

A course is exactly 60 minutes of timed segments — the reference's reason for "1-hour" courses is
that they fit an early-shift slot and combine into half- or full-day programmes — so the loader
refuses a course whose segments do not add up, naming every segment it counted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from ..scoring.facts import Facts
from ..scoring.keypoints import KeyPoint
from .check import FileCheck, is_slug
from .errors import ContentError, display_path
from .keypoints import read_facts, read_key_points
from .markdown import Block, parse_lesson
from .yamlio import YDict, parse_yaml, read_yaml

COURSE_MINUTES = 60
COURSE_DOMAINS = ("property", "utility", "ecommerce", "telecom")
COURSE_CHANNELS = ("phone", "counter", "chat")
SEGMENT_KINDS = ("explain", "case", "discussion", "practice", "roleplay", "quiz")
DEFAULT_PASS_MARK = 80


@dataclass(frozen=True)
class PracticeDef:
    id: str
    script: str
    prompt: str
    key_points: tuple[KeyPoint, ...]
    model_answer: str = ""
    facts: Facts = field(default_factory=Facts)
    domain: str | None = None  # the course's: asking for data of another domain is 答非所问
    channel: str = "default"  # the course's: sets how long a reply may be


@dataclass(frozen=True)
class SegmentDef:
    key: str  # "<lesson file stem>#<n>": stable while the lesson file keeps its segments
    lesson_title: str
    title: str
    kind: str
    minutes: int
    intro_html: str  # the lesson's introduction, on its first segment only
    parts: tuple[tuple[str, str], ...]  # ("html", html) | ("practice", id) | ("roleplay", scenario) | ("quiz", "")
    practices: tuple[PracticeDef, ...]
    scenarios: tuple[str, ...]
    quiz: tuple[str, ...]
    source: str = ""  # "path:line" of the segment's heading, for messages about it


@dataclass(frozen=True)
class SourceDef:
    """Where a course's facts come from: a passage of a reference document (`reference` is its number, as in
    `000_….txt`), or `general` practice the references do not contain, said plainly so a reviewer knows."""

    reference: str | None
    passage: str


@dataclass(frozen=True)
class CourseDef:
    slug: str
    title: str
    series: str
    series_order: int | None
    summary: str
    objectives: tuple[str, ...]
    indicators: tuple[str, ...]
    prerequisites: tuple[str, ...]
    instructor: str
    version: int
    pass_mark: int
    segments: tuple[SegmentDef, ...]
    content_hash: str
    path: str
    rubric: str | None = None  # the rubric its practice replies are rated on, when not the course-practice default
    sources: tuple[SourceDef, ...] = ()

    @property
    def minutes(self) -> int:
        return sum(s.minutes for s in self.segments)

    @property
    def quiz(self) -> tuple[str, ...]:
        return next((s.quiz for s in self.segments if s.quiz), ())

    @property
    def practices(self) -> tuple[PracticeDef, ...]:
        return tuple(p for s in self.segments for p in s.practices)


def _block_data(block: Block, check: FileCheck) -> YDict | None:
    """Parse a fenced block's YAML with line numbers that point into the lesson file."""
    data, errors = parse_yaml("\n" * (block.line - 1) + block.body, check.path)
    check.errors += errors
    if errors:
        return None
    return check.mapping(data, block.line, f"```{block.kind} 代码块")


def load_course(
    folder: Path, root: Path, *, indicators: frozenset[str] | None, scripts: set[str] | None,
    questions: set[str] | None, scenarios: AbstractSet[str] | None, rubrics: set[str] | None = None,
) -> tuple[CourseDef | None, list[ContentError]]:
    yaml_path = folder / "course.yaml"
    shown = display_path(yaml_path, root)
    data, errors = read_yaml(yaml_path, shown)
    if errors:
        return None, errors
    check = FileCheck(shown)
    meta = check.mapping(data, 1, "course.yaml")
    if meta is None:
        return None, check.errors
    check.only_keys(meta, {"slug", "title", "series", "series_order", "summary", "objectives", "indicators",
                           "prerequisites", "instructor", "version", "pass_mark", "lessons", "rubric", "domain",
                           "channel", "sources"}, "course.yaml")
    slug: str | None
    if "slug" in meta:
        slug = check.slug(meta, "slug", "课程 slug")
    else:
        slug = folder.name
        if not is_slug(slug):
            check.error(1, f"课程文件夹名 {slug!r} 只能包含小写字母、数字、- 和 _ (或在 course.yaml 写 slug)")
    title = check.get(meta, "title", str)
    series = check.get(meta, "series", str)
    series_order = check.get(meta, "series_order", int, required=False)
    summary = check.get(meta, "summary", str)
    instructor = check.get(meta, "instructor", str)
    version = check.get(meta, "version", int)
    pass_mark = check.number(meta, "pass_mark", low=1, high=100, required=False, default=DEFAULT_PASS_MARK)
    objectives = _text_items(check, meta, "objectives", required=True)
    course_indicators = _text_items(check, meta, "indicators", required=True)
    for value in course_indicators:
        if indicators is not None and value not in indicators:
            check.error(meta.line_of("indicators"), f"未知的能力指标 {value!r}")
    prerequisites = _text_items(check, meta, "prerequisites", required=False)
    rubric = check.get(meta, "rubric", str, required=False)
    if rubric is not None and rubrics is not None and rubric not in rubrics:
        check.error(meta.line_of("rubric"), f"未知的评分表 {rubric!r}")
    # Where the course's customers are (asking them for data of another business is 答非所问) and how they
    # are spoken to (a phone reply must be short): the course's practice replies are graded for both.
    domain = check.get(meta, "domain", str, required=False)
    if domain is not None and domain not in COURSE_DOMAINS:
        check.error(meta.line_of("domain"), f"domain 应为 {', '.join(COURSE_DOMAINS)} 之一")
    channel = check.get(meta, "channel", str, required=False)
    if channel is not None and channel not in COURSE_CHANNELS:
        check.error(meta.line_of("channel"), f"channel 应为 {', '.join(COURSE_CHANNELS)} 之一")

    sources = _sources(check, meta)

    if "lessons" in meta:
        lesson_names = _text_items(check, meta, "lessons", required=True)
        lesson_paths = []
        for name in lesson_names:
            # a lesson is a file of this folder: a path elsewhere (../x, /etc/x) is refused, never read
            if Path(name).name != name or name in (".", "..") or "\\" in name:
                check.error(meta.line_of("lessons"), f"课时文件 {name!r} 应是课程文件夹里的文件名")
            elif not _is_file(folder / name):
                check.error(meta.line_of("lessons"), f"找不到课时文件 {name}")
            else:
                lesson_paths.append(folder / name)
    else:
        lesson_paths = sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")
    if not lesson_paths:
        check.error(meta.line, "课程至少需要一个课时 Markdown 文件")

    segments: list[SegmentDef] = []
    digest = hashlib.sha256(yaml_path.read_bytes())
    quiz_blocks: list[tuple[str, int]] = []
    practice_ids: set[str] = set()
    errors = list(check.errors)
    for path in lesson_paths:
        lesson_check = FileCheck(display_path(path, root))
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            errors.append(ContentError(lesson_check.path, 1, f"文件不是 UTF-8 编码 (字节 {exc.start})"))
            continue
        except OSError as exc:
            errors.append(ContentError(lesson_check.path, 1, f"无法读取文件: {exc.strerror}"))
            continue
        digest.update(path.name.encode() + source.encode())
        lesson = parse_lesson(source)
        for line, message in lesson.problems:
            lesson_check.error(line, message)
        if not lesson.title:
            lesson_check.error(1, "课时缺少 # 标题")
        if not lesson.segments and not lesson.problems:
            lesson_check.error(1, "课时至少需要一个 ## 环节 {类型 分钟}")
        for n, raw in enumerate(lesson.segments, start=1):
            if raw.kind not in SEGMENT_KINDS:
                lesson_check.error(raw.line, f"未知的环节类型 {raw.kind!r} (可用: {', '.join(SEGMENT_KINDS)})")
                continue
            if raw.minutes < 1:
                lesson_check.error(raw.line, "环节时长至少 1 分钟")
            parts: list[tuple[str, str]] = []
            practices: list[PracticeDef] = []
            embedded: list[str] = []
            quiz: tuple[str, ...] = ()
            for part in raw.parts:
                if part[0] == "html":
                    parts.append(("html", part[1]))
                    continue
                block = part[1]
                body = _block_data(block, lesson_check)
                if body is None:
                    continue
                if block.kind == "practice":
                    practice = _practice(lesson_check, body, slug, f"{slug}-p{len(segments) + 1}-{len(practices) + 1}",
                                         scripts, domain=domain, channel=channel)
                    if practice and practice.id in practice_ids:
                        lesson_check.error(body.line_of("id"), f"练习 id {practice.id} 重复")
                    elif practice:
                        practice_ids.add(practice.id)
                        practices.append(practice)
                        parts.append(("practice", practice.id))
                elif block.kind == "roleplay":
                    lesson_check.only_keys(body, {"scenario"}, "```roleplay 代码块")
                    scenario = lesson_check.get(body, "scenario", str)
                    if scenario and scenarios is not None and scenario not in scenarios:
                        lesson_check.error(body.line_of("scenario"), f"未知的情景演练 {scenario!r}")
                    elif scenario:
                        embedded.append(scenario)
                        parts.append(("roleplay", scenario))
                else:
                    quiz = _quiz(lesson_check, body, raw.kind, questions)
                    quiz_blocks.append((lesson_check.path, block.line))
                    parts.append(("quiz", ""))
            segments.append(SegmentDef(
                key=f"{path.stem}#{n}", lesson_title=lesson.title or path.stem, title=raw.title, kind=raw.kind,
                minutes=raw.minutes, intro_html=lesson.intro_html if n == 1 else "", parts=tuple(parts),
                practices=tuple(practices), scenarios=tuple(embedded), quiz=quiz,
                source=f"{lesson_check.path}:{raw.line}",
            ))
        errors += lesson_check.errors

    total = sum(s.minutes for s in segments)
    if segments and total != COURSE_MINUTES:
        breakdown = ", ".join(f"{s.title} {s.minutes}" for s in segments)
        errors.append(ContentError(shown, 1, f"各环节合计 {total} 分钟, 应为 {COURSE_MINUTES} 分钟 ({breakdown})"))
    if len(quiz_blocks) == 0 and segments:
        errors.append(ContentError(shown, 1, "课程需要一个课后测验 (在 quiz 环节里放 ```quiz 代码块)"))
    for where, line in quiz_blocks[1:]:
        errors.append(ContentError(where, line, "一门课程只能有一个 ```quiz 测验"))
    if (errors or slug is None or title is None or series is None or summary is None or instructor is None
            or version is None):
        return None, errors
    return CourseDef(
        slug=slug, title=title, series=series, series_order=series_order, summary=summary,
        objectives=tuple(objectives), indicators=tuple(course_indicators), prerequisites=tuple(prerequisites),
        instructor=instructor, version=version, pass_mark=int(pass_mark), segments=tuple(segments),
        content_hash=digest.hexdigest()[:16], path=shown, rubric=rubric, sources=sources,
    ), []


def _is_file(path: Path) -> bool:
    """Path.is_file, but a name the file system refuses (too long, say) is simply not a file."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _sources(check: FileCheck, meta: YDict) -> tuple[SourceDef, ...]:
    """`sources: [{reference: "002", passage: …} | {general: …}]` — optional; every item says where it stands."""
    if "sources" not in meta:
        return ()
    items = check.sequence(meta["sources"], meta.line_of("sources"), "sources")
    found = []
    for i, item in enumerate(items):
        line = items.line_of(i)
        entry = check.mapping(item, line, f"sources 的第 {i + 1} 项")
        if entry is None:
            continue
        check.only_keys(entry, {"reference", "passage", "general"}, f"sources 的第 {i + 1} 项")
        if "general" in entry:
            if "reference" in entry or "passage" in entry:
                check.error(line, "sources 的一项要么写 reference 和 passage，要么写 general，不能混写")
                continue
            text = check.get(entry, "general", str)
            if text is not None and text.strip():
                found.append(SourceDef(None, text.strip()))
            else:
                check.error(line, "general 应为非空文本：说明哪些内容超出了参考资料")
            continue
        reference = entry.get("reference")
        if isinstance(reference, int) and not isinstance(reference, bool):
            reference = f"{reference:03d}"
        if not isinstance(reference, str) or not re.fullmatch(r"\d{3}", reference.strip()):
            check.error(entry.line_of("reference") if "reference" in entry else line,
                        "reference 应为参考资料的三位编号，例如 \"002\"")
            continue
        passage = check.get(entry, "passage", str)
        if passage is not None and passage.strip():
            found.append(SourceDef(reference.strip(), passage.strip()))
        elif passage is not None:
            check.error(entry.line_of("passage"), "passage 应为非空文本：说明引用的是哪一段")
    return tuple(found)


def _text_items(check: FileCheck, data: YDict, key: str, *, required: bool) -> list[str]:
    if key not in data:
        if required:
            check.error(data.line, f"缺少字段 {key!r}")
        return []
    items = check.sequence(data[key], data.line_of(key), key)
    found = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            check.error(items.line_of(i), f"{key} 的第 {i + 1} 项应为非空文本")
        else:
            found.append(item.strip())
    if required and not items:
        check.error(data.line_of(key), f"{key} 不能为空")
    return found


def _practice(check: FileCheck, body: YDict, slug: str | None, default_id: str, scripts: set[str] | None, *,
              domain: str | None = None, channel: str | None = None) -> PracticeDef | None:
    """`id` is optional but worth giving: trainees' answers hang on it, and the default (by position) shifts when
    a segment is inserted. `model_answer` is shown only after the trainee has submitted their own reply."""
    check.only_keys(body, {"id", "script", "prompt", "key_points", "model_answer", "facts"}, "```practice 代码块")
    ident = default_id
    if "id" in body:
        given = check.slug(body, "id", "练习 id")
        ident = f"{slug}-{given}" if given else ""
    script = check.get(body, "script", str)
    if script is not None and scripts is not None and script not in scripts:
        check.error(body.line_of("script"), f"未知的话术类型 {script!r}")
        return None
    prompt = check.get(body, "prompt", str)
    model_answer = check.get(body, "model_answer", str, required=False) or ""
    points = read_key_points(check, body, "练习")
    facts = read_facts(check, body, "练习")
    # Every block is graded on what it asks for and shows the trainee a good answer afterwards.
    for key, message in (("id", "练习需要 id (学员的作答挂在 id 上)"), ("key_points", "练习需要 key_points (要点)"),
                         ("model_answer", "练习需要 model_answer (参考回答, 学员作答后显示)")):
        if key not in body:
            check.error(body.line, message)
    if not (script and prompt and ident):
        return None
    return PracticeDef(ident, script, prompt, points, model_answer.strip(), facts, domain, channel or "default")


def _quiz(check: FileCheck, body: YDict, segment_kind: str, questions: set[str] | None) -> tuple[str, ...]:
    check.only_keys(body, {"questions"}, "```quiz 代码块")
    if segment_kind != "quiz":
        check.error(body.line, "```quiz 代码块只能放在 quiz 类型的环节里")
    ids = check.sequence(body.get("questions"), body.line_of("questions"), "questions")
    found = []
    for i, value in enumerate(ids):
        if questions is not None and value not in questions:
            check.error(ids.line_of(i), f"未知的题目 id {value!r}")
        elif isinstance(value, str):
            found.append(value)
    if not ids:
        check.error(body.line, "测验至少需要一道题")
    return tuple(found)


def load_courses(
    folder: Path, root: Path, *, indicators: frozenset[str] | None, scripts: set[str] | None,
    questions: set[str] | None, scenarios: AbstractSet[str] | None, rubrics: set[str] | None = None,
) -> tuple[dict[str, CourseDef], list[ContentError]]:
    courses: dict[str, CourseDef] = {}
    errors: list[ContentError] = []
    if not folder.is_dir():
        return courses, errors
    for course_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not (course_dir / "course.yaml").is_file():
            shown = display_path(course_dir, root) + "/course.yaml"
            errors.append(ContentError(shown, 1, "课程文件夹缺少 course.yaml"))
            continue
        course, problems = load_course(course_dir, root, indicators=indicators, scripts=scripts,
                                       questions=questions, scenarios=scenarios, rubrics=rubrics)
        errors += problems
        if course is None:
            continue
        if course.slug in courses:
            first = courses[course.slug].path
            errors.append(ContentError(course.path, 1, f"课程 slug {course.slug!r} 重复 (已在 {first})"))
            continue
        courses[course.slug] = course
    for course in courses.values():
        for prerequisite in course.prerequisites:
            if prerequisite not in courses:
                errors.append(ContentError(course.path, 1, f"先修课程 {prerequisite!r} 不存在"))
            elif prerequisite == course.slug:
                errors.append(ContentError(course.path, 1, "课程不能把自己列为先修课程"))
    errors += _cycles(courses)
    return courses, errors


def _cycles(courses: dict[str, CourseDef]) -> list[ContentError]:
    state: dict[str, int] = {}
    errors = []

    def visit(slug: str, trail: list[str]) -> None:
        if state.get(slug) == 2 or slug not in courses:
            return
        if state.get(slug) == 1:
            loop = [*trail[trail.index(slug):], slug]
            errors.append(ContentError(courses[slug].path, 1, f"先修课程形成循环: {' → '.join(loop)}"))
            return
        state[slug] = 1
        for prerequisite in courses[slug].prerequisites:
            if prerequisite != slug:
                visit(prerequisite, [*trail, slug])
        state[slug] = 2

    for slug in courses:
        visit(slug, [])
    return errors
