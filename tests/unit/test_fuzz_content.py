"""Fuzzing with hypothesis: the GIFT parser, every content loader and the reply scorer never fail on any input.

- GIFT: generated question files (titles, formats, answer blocks with every escape, weights, feedback,
  nested and unbalanced braces, numerical answers with huge, tiny and odd numbers, CR/LF/CRLF mixes,
  unicode, long inputs) either parse into well-formed items and skips with their lines or are refused as
  GiftUnreadable; escaped text round-trips through the writer.
- Every content loader (competency model, grades, violations, KPIs, typing passages, question categories and
  questions with key points, scenarios, the rubric folder, the six phrase-rule files, a course folder with its
  lesson Markdown and practice blocks): the repository's own file, mutated as a structure (a node replaced
  by any YAML value, deleted, duplicated, made to refer to itself, keys added) and dumped back, or spliced as
  text (YAML-ish fragments, anchors, tags, deep nesting, bad dates and huge numbers), or replaced by arbitrary
  text or bytes, is written to a temporary file and loaded: the loader answers `ContentError`s with
  `path:line` inside the file, never an exception.
- The scorer (and the full reply grade) on arbitrary unicode: full-width, Traditional, control and
  zero-width characters, lone surrogates, very long text: never raises, every span lies inside the text and
  shows what it matched, and the same text always gets the same report.

What the fuzz found is kept as plain regression tests (`test_what_the_fuzz_found_*`, `test_yaml_that_pyyaml_…`).
Examples are derandomized (the same inputs on every run and in CI) and the example database is off.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import functools
import math
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, ROOT, repository_content
from trainer.content.competency import load_grades, load_model
from trainer.content.courses import load_course
from trainer.content.errors import ContentError
from trainer.content.gift import GiftItem, GiftUnreadable, _escape, parse_gift
from trainer.content.keypoints import KeyPointWords, checking_against
from trainer.content.kpis import load_kpis
from trainer.content.phrases import RULE_FILES, read_rule_texts, rules_from_texts
from trainer.content.questions import QUESTION_TYPES, load_categories, load_question_file
from trainer.content.rubrics import load_rubrics
from trainer.content.scenarios import load_scenario
from trainer.content.typing import load_passages
from trainer.content.violations import load_violations
from trainer.content.yamlio import parse_yaml
from trainer.scoring import score
from trainer.scoring.grade import Situation, grade_reply


def fuzz(examples: int, *, shrink: bool = True):
    """`shrink=False` for the file mutators: their failures print every draw by label, and shrinking a mutated
    document can take Hypothesis minutes."""
    phases = tuple(Phase) if shrink else (Phase.explicit, Phase.generate)
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None, phases=phases,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much, HealthCheck.large_base_example])


# --- values: what a YAML file can hold, and text that is nearly YAML -----------------------------------------

#: strings that have broken parsers before: empty and blank, NUL, a name too long for a file system, path
#: tricks, numbers past every limit, unicode digits and full-width forms, bidi and zero-width marks, templates
NASTY = (
    "", " ", "\t", "\x00", "\x1b[31m", "a" * 300, "../../../etc/passwd", "/dev/zero", "C:\\con", "~", "-", "---",
    "1e999999", "-1e999999", "NaN", "nan", "Infinity", "-0", "0x1F", "9" * 5000, "1" + "0" * 400,
    "0." + "0" * 400 + "1",
    "١٢٣", "１２３", "一百万亿", "𠀀𠀁", "\u202e反转", "\u200b", "\ufeff", "e\u0301", "\U0001f600",
    "${x}", "$room", "$", "{{x}}", "<script>alert(1)</script>", "&amp;", "%s%s%n", "'", '"', "\\", "|", ">", "*a", "&a",
    "!!int x", "2024-13-45", "null", "~", "yes", "off", "true", "<<",
    "您好", "對不起，請稍等", "ＡＢＣ，！", "喂\r\n哪位\r", "x\u2028y\u2029z\x85w",
)

#: text without surrogates (it has to reach a UTF-8 file)
FILE_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
SCALARS = st.one_of(
    st.none(), st.booleans(),
    st.integers(), st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 2**64, 10**30, 10**4000]),
    st.floats(), st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 1e-320, 1.7976931348623157e308]),
    FILE_TEXT, st.sampled_from(NASTY), st.text("好您谢抱歉稍等 ，。\n", min_size=900, max_size=1200),
    st.dates(), st.datetimes(),
)
KEYS = st.one_of(FILE_TEXT, st.sampled_from(NASTY[:20]), st.integers(-3, 3), st.booleans(), st.none())
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                      max_leaves=10)

YAML_CHARS = list(":-?[]{},&*!|>'\"%@`# \t\n\r\\/.=~") + list("abcxyz019") + list("好您谢，。") + [
    "\x00", "\x07", "\x1b", "\x85", "\u2028", "\ufeff", "\U0001f600"]
YAML_FRAGMENTS = (
    "\n- ", "\n  - ", ": ", "\n  ", "&a ", "*a", "&a [*a]", "!!int x", "!!float y", "!!timestamp z", "!!binary ?",
    "!!python/object:os.system x", "!!set {a}", "!!omap [a]", "<<: *a", "? [k]\n: v", "%YAML 1.1\n---\n", "\n---\n",
    "\n...\n", "x: 2024-13-45", "x: 2024-02-30 10:00:00", "x: 2001-12-14t21:59:43.10-99:99", "x: " + "9" * 5000,
    "x: 0x" + "f" * 5000, "x: 1" + ":0" * 3000, "x: .nan", "x: -.inf", "x: 1e999999", "[" * 300, "{a: " * 300,
    "- " * 300, "\t", "\r\n", "\r", "'unterminated", '"\\x', "|\n", ">-\n", "#", "key: value", "\ufeff",
)
YAMLISH = st.text(st.sampled_from(YAML_CHARS), max_size=300)


def splice(data, text: str, fragments) -> str:
    """The text with a few slices cut out and fragments (or arbitrary text) put in their place."""
    for _ in range(data.draw(st.integers(1, 4), label="splices")):
        at = data.draw(st.integers(0, len(text)), label="at")
        cut = data.draw(st.integers(0, 40), label="cut")
        insert = data.draw(st.one_of(st.sampled_from(fragments), YAMLISH, FILE_TEXT), label="insert")
        text = text[:at] + insert + text[at + cut:]
    return text


# --- structure mutation -------------------------------------------------------------------------------------


def _paths(doc) -> list[tuple]:
    """Every node's path from the root (each container once, so a doc made to refer to itself still ends)."""
    found, seen, stack = [], set(), [((), doc)]
    while stack:
        path, node = stack.pop()
        found.append(path)
        if isinstance(node, dict | list) and id(node) not in seen:
            seen.add(id(node))
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack += [((*path, key), child) for key, child in items]
    return sorted(found, key=repr)


def _at(doc, path: tuple):
    for key in path:
        doc = doc[key]
    return doc


def _scalars(doc) -> list:
    return [node for node in (_at(doc, p) for p in _paths(doc)) if not isinstance(node, dict | list)] or [None]


def mutate(data, doc):
    """A deep copy of `doc` with one to four random edits; the root holder lets the root itself be replaced."""
    holder = [copy.deepcopy(doc)]
    own = _scalars(doc)
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        path = (0, *data.draw(st.sampled_from(_paths(holder[0])), label="path"))
        parent, key = _at(holder, path[:-1]), path[-1]
        node = parent[key]
        value = data.draw(st.one_of(VALUES, st.sampled_from(own)), label="value")
        edit = data.draw(st.sampled_from(["replace", "replace", "delete", "add", "wrap", "share", "cycle", "text"]),
                         label="edit")
        if edit == "replace" or (edit == "delete" and parent is holder):
            parent[key] = value
        elif edit == "delete":
            del parent[key]
        elif edit == "add" and isinstance(node, dict):
            node[data.draw(st.one_of(KEYS, st.sampled_from(list(node) or [""])), label="key")] = value
        elif edit == "add" and isinstance(node, list):
            node.insert(data.draw(st.integers(0, len(node)), label="index"), value)
        elif edit == "wrap":
            parent[key] = data.draw(st.sampled_from([[node], {"x": node}, [node, node]]), label="wrapper")
        elif edit == "share":  # the same subtree twice: an anchor and an alias in the dump
            parent[key] = _at(holder, (0, *data.draw(st.sampled_from(_paths(holder[0])), label="shared")))
        elif edit == "cycle" and isinstance(node, dict | list):  # a node inside itself: a recursive alias
            if isinstance(node, dict):
                node["self"] = node
            else:
                node.append(node)
        elif edit == "text":
            parent[key] = str(node)[:200]
        else:
            parent[key] = value
    return holder[0]


def dump(doc) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


@functools.lru_cache(maxsize=64)
def _parsed(text: str):
    return yaml.safe_load(text)


def document_text(data, original: str) -> str:
    """What a fuzzed content file holds: the original mutated as a structure or as text, or arbitrary text."""
    how = data.draw(st.sampled_from(["structure", "structure", "structure", "splice", "yamlish", "fragments"]),
                    label="how")
    if how == "structure":
        return dump(mutate(data, _parsed(original)))
    if how == "splice":
        return splice(data, original, YAML_FRAGMENTS)
    if how == "yamlish":
        return data.draw(YAMLISH, label="text")
    return "".join(data.draw(st.lists(st.sampled_from(YAML_FRAGMENTS), max_size=8), label="fragments"))


def write(data, path: Path, text: str) -> None:
    """Write the text, sometimes with a byte that is not UTF-8 (a file saved in GBK, say) put in."""
    raw = text.encode("utf-8", "surrogatepass")
    if data.draw(st.sampled_from([False] * 9 + [True]), label="not UTF-8"):
        at = data.draw(st.integers(0, len(raw)), label="byte at")
        raw = raw[:at] + data.draw(st.sampled_from([b"\xff", b"\xc4\xe3\xba\xc3", b"\x80", b"\xed\xa0\x80"])) + raw[at:]
    path.write_bytes(raw)


# --- checking what a loader answers ---------------------------------------------------------------------------

_BREAKS = re.compile("\r\n|[\n\r\x85\u2028\u2029\x0b\x0c\x1c\x1d\x1e]")


def lines_in(path: Path) -> int:
    return len(_BREAKS.findall(path.read_bytes().decode("utf-8", "replace"))) + 1


def assert_content_errors(errors, files: dict[str, Path]) -> None:
    """A list of ContentError, each naming a file, a line (inside the file when it is a file we wrote) and why."""
    assert isinstance(errors, list), type(errors)
    for error in errors:
        assert isinstance(error, ContentError), error
        assert isinstance(error.path, str) and error.path, error
        assert type(error.line) is int and error.line >= 1, error
        assert isinstance(error.message, str) and error.message.strip(), error
        if error.path in files:
            assert error.line <= lines_in(files[error.path]), (str(error), lines_in(files[error.path]))
        assert str(error).startswith(f"{error.path}:{error.line}: ")


# --- the world the loaders check references against -------------------------------------------------------------


@dataclass
class Known:
    indicators: frozenset[str]
    scripts: set[str]
    groups: set[str]
    rubrics: set[str]
    categories: set[str]
    questions: set[str]
    scenarios: set[str]
    words: KeyPointWords | None


@pytest.fixture(scope="module")
def content():
    loaded = repository_content()
    assert not loaded.errors, loaded.errors
    return loaded


@pytest.fixture(scope="module")
def known(content) -> Known:
    fixture_questions = yaml.safe_load((FIXTURES / "questions.yaml").read_text(encoding="utf-8"))["questions"]
    return Known(
        indicators=content.model.indicator_ids, scripts=set(content.rules.scripts), groups=set(content.rules.groups),
        rubrics=set(content.rubrics), categories={c.id for c in content.categories} | {"fixture"},
        questions=set(content.questions) | {q["id"] for q in fixture_questions},
        scenarios=set(content.scenario_ids) | {"fixture-leak"}, words=KeyPointWords.from_rules(content.rules),
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz-content")


def _question_sample() -> str:
    """A small question file holding one question of every type, taken from the real bank."""
    by_type: dict[str, dict] = {}
    for path in sorted((ROOT / "question_bank" / "questions").glob("*.yaml")):
        for question in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("questions") or []:
            by_type.setdefault(question["type"], {**question, "category": question.get("category", "phone")})
    assert set(by_type) == set(QUESTION_TYPES), set(by_type)
    return dump({"questions": list(by_type.values())})


QB = ROOT / "question_bank"
#: loader name -> (the original file, how to load a fuzzed copy of it: (path, shown, known) -> errors)
SINGLE_FILE_LOADERS = {
    "competency model": (QB / "competency/model.yaml", lambda p, s, k: load_model(p, s)[1]),
    "grades": (QB / "competency/grades.yaml", lambda p, s, k: load_grades(p, s, k.indicators)[1]),
    "grades (indicators from model.yaml beside it)": (QB / "competency/grades.yaml",
                                                       lambda p, s, k: load_grades(p, s)[1]),
    "violations": (QB / "competency/violations.yaml", lambda p, s, k: load_violations(p, s)[1]),
    "kpis": (QB / "competency/kpis.yaml", lambda p, s, k: load_kpis(p, s)[1]),
    "typing passages": (QB / "typing/passages.yaml", lambda p, s, k: load_passages(p, s)[1]),
    "question categories": (QB / "questions/categories.yaml", lambda p, s, k: load_categories(p, s)[1]),
    "questions (with key points)": (None, lambda p, s, k: load_question_file(
        p, s, categories=k.categories, indicators=k.indicators, scripts=k.scripts)[1]),
    "scenario": (FIXTURES / "scenarios/fixture-leak.yaml", lambda p, s, k: load_scenario(
        p, s, indicators=k.indicators, scripts=k.scripts, groups=k.groups, rubrics=k.rubrics)[1]),
    "scenario (nothing to check against)": (FIXTURES / "scenarios/fixture-leak.yaml", lambda p, s, k: load_scenario(
        p, s, indicators=None, scripts=None, groups=None, rubrics=None)[1]),
}


@pytest.mark.parametrize("name", list(SINGLE_FILE_LOADERS))
def test_every_single_file_loader_answers_content_errors(name, known, workdir):
    source, load = SINGLE_FILE_LOADERS[name]
    original = _question_sample() if source is None else source.read_text(encoding="utf-8")
    folder = workdir / re.sub(r"\W+", "-", name)
    folder.mkdir(exist_ok=True)
    if source is not None and source.name == "grades.yaml":  # load_grades reads model.yaml beside it
        shutil.copyfile(QB / "competency/model.yaml", folder / "model.yaml")
    path = folder / (source.name if source else "questions.yaml")
    shown = f"question_bank/{path.name}"

    @fuzz(90, shrink=False)
    @given(st.data())
    def run(data):
        write(data, path, document_text(data, original))
        with checking_against(known.words):
            errors = load(path, shown, known)
        assert_content_errors(errors, {shown: path})

    run()


def test_the_rubric_folder_answers_content_errors(known, workdir):
    """One rubric of the real folder fuzzed (base.yaml is what the others extend), the others as shipped."""
    folder = workdir / "rubrics"
    shutil.copytree(QB / "rubrics", folder, dirs_exist_ok=True)
    names = sorted(p.name for p in folder.glob("*.yaml"))
    originals = {n: (QB / "rubrics" / n).read_text(encoding="utf-8") for n in names}

    @fuzz(80, shrink=False)
    @given(st.data())
    def run(data):
        name = data.draw(st.sampled_from(["base.yaml", *names]), label="file")
        for other in names:
            (folder / other).write_text(originals[other], encoding="utf-8")
        write(data, folder / name, document_text(data, originals[name]))
        errors = load_rubrics(folder, workdir, indicators=data.draw(st.sampled_from([known.indicators, None])))[1]
        assert_content_errors(errors, {f"rubrics/{n}": folder / n for n in names})

    run()


def test_the_phrase_rules_answer_content_errors(known):
    """One of the six rule files fuzzed (as the rule tester page and the database's rule texts reach it)."""
    texts, problems = read_rule_texts(QB / "phrases")
    assert not problems

    @fuzz(70, shrink=False)
    @given(st.data())
    def run(data):
        name = data.draw(st.sampled_from(RULE_FILES), label="file")
        fuzzed = {**texts, name: document_text(data, texts[name])}
        if data.draw(st.integers(0, 19), label="drop") == 0:
            del fuzzed[data.draw(st.sampled_from(RULE_FILES))]
        rules, errors = rules_from_texts(fuzzed, indicator_ids=known.indicators, shown_prefix="phrases/")
        assert (rules is None) == bool(errors)
        assert_content_errors(errors, {})
        for error in errors:
            if error.path == f"phrases/{name}" and name in fuzzed:
                assert error.line <= len(_BREAKS.findall(fuzzed[name])) + 1, str(error)

    run()


LESSON_FRAGMENTS = (
    "\n# 标题\n", "\n## 讲解 {explain 15}\n", "\n## 测验 {quiz 10}\n", "\n## 练 {practice 0}\n", "\n## x {bogus 5}\n",
    "\n## 长 {explain " + "9" * 5000 + "}\n", "\n## 全角 {explain １５}\n", "\n## 无类型\n", "\n```practice\n",
    "\n```quiz\n", "\n```roleplay\nscenario: fixture-leak\n```\n", "\n```roleplay\nscenario: nowhere\n```\n",
    "\n```\n", "\n```quiz\nquestions: [fx-single, nope]\n```\n", "\n```practice\n[[[[\n```\n",
    "\n```practice\nid: 2024-13-45\n```\n", "<script>alert(1)</script>", "<b>", "<!-- c -->", "\n    indented code\n",
    "\n> quote\n", "\n| a | b |\n| - | - |\n",
    "[link](javascript:alert(1))", "\x00", "\r\n", "\r", "\u2028", "\x0c", "\ufeff", *YAML_FRAGMENTS[:20],
)


def _practice_block(lesson: str) -> re.Match[str] | None:
    return re.search(r"```practice\n(.*?)```", lesson, re.DOTALL)


def test_a_course_folder_answers_content_errors(known, workdir):
    """course.yaml (structure or text), a lesson's Markdown (text) or the YAML of a lesson's practice block."""
    source = FIXTURES / "courses" / "sample-course"
    folder = workdir / "courses" / "sample-course"
    shutil.copytree(source, folder, dirs_exist_ok=True)
    course_yaml = (source / "course.yaml").read_text(encoding="utf-8")
    lesson_name = "01-basics.md"
    lesson = (source / lesson_name).read_text(encoding="utf-8")
    block = _practice_block(lesson)
    assert block is not None
    shown = {"courses/sample-course/course.yaml": folder / "course.yaml",
             f"courses/sample-course/{lesson_name}": folder / lesson_name}

    @fuzz(120, shrink=False)
    @given(st.data())
    def run(data):
        (folder / "course.yaml").write_text(course_yaml, encoding="utf-8")
        (folder / lesson_name).write_text(lesson, encoding="utf-8")
        part = data.draw(st.sampled_from(["course.yaml", "lesson", "practice block"]), label="part")
        if part == "course.yaml":
            write(data, folder / "course.yaml", document_text(data, course_yaml))
        elif part == "lesson":
            write(data, folder / lesson_name, splice(data, lesson, LESSON_FRAGMENTS))
        else:
            body = document_text(data, block.group(1)).replace("```", "'''")
            write(data, folder / lesson_name, lesson[:block.start(1)] + body + lesson[block.end(1):])
        with checking_against(known.words):
            course, errors = load_course(folder, workdir, indicators=known.indicators, scripts=known.scripts,
                                         questions=known.questions, scenarios=known.scenarios, rubrics=known.rubrics)
        assert (course is None) == bool(errors)
        assert_content_errors(errors, shown)

    run()


@pytest.mark.parametrize("text", [
    "a: " + "9" * 5000, "a: 0x" + "f" * 5000, "a: 1" + ":0" * 3000, "a: 2024-13-45", "a: 2024-02-30 10:00:00",
    "a: 2001-12-14t21:59:43.10-99:99", "a: !!timestamp x", "a: !!int x", "a: !!float x", "a: !!bool maybe",
    "[" * 1000 + "]" * 1000, "- " * 1000 + "x", "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 1000)),
    "a: &x [*x]", "\x00", "a: b\n" * 3 + "a: c",
])
def test_yaml_that_pyyaml_chokes_on_is_a_content_error(text):
    """PyYAML itself raises ValueError, AttributeError or RecursionError on these; the loaders must not."""
    data, errors = parse_yaml(text, "x.yaml")
    assert data is None and len(errors) == 1, (data, errors)
    assert_content_errors(errors, {})
    assert errors[0].line <= text.count("\n") + 1


def _edited(text: str, edit) -> str:
    doc = yaml.safe_load(text)
    edit(doc)
    return dump(doc)


def _set(path: tuple, value):
    def edit(doc):
        _at(doc, path[:-1])[path[-1]] = value
    return edit


@pytest.mark.parametrize(("name", "path"), [
    ("questions (with key points)", ("questions", 0, "indicators")),  # `[] in indicators`: unhashable
    ("scenario", ("stages", 0, "id")),  # set() of stage ids
    ("scenario (nothing to check against)", ("stages", 0, "id")),
])
def test_what_the_fuzz_found_a_list_where_text_belongs(name, path, known, workdir):
    source, load = SINGLE_FILE_LOADERS[name]
    original = _question_sample() if source is None else source.read_text(encoding="utf-8")
    target = workdir / "found.yaml"
    target.write_text(_edited(original, _set(path, [[]])), encoding="utf-8")
    with checking_against(known.words):
        errors = load(target, "found.yaml", known)
    assert errors
    assert_content_errors(errors, {"found.yaml": target})


def test_what_the_fuzz_found_a_list_among_a_scripts_indicators(known):
    texts, _ = read_rule_texts(QB / "phrases")
    scripts = _edited(texts["scripts.yaml"], lambda doc: doc["scripts"]["any"].__setitem__("indicators", [[]]))
    rules, errors = rules_from_texts({**texts, "scripts.yaml": scripts}, indicator_ids=known.indicators)
    assert rules is None and any("未知的能力指标" in e.message for e in errors)


@pytest.mark.parametrize("lesson", ["a" * 300 + ".md", "/etc/passwd", "../../../../../../../../etc/passwd",
                                    "/proc/self/mem", "sub/x.md"])
def test_what_the_fuzz_found_a_lesson_that_is_no_file_of_the_course(lesson, known, workdir):
    """A name too long for the file system raised OSError; a path outside the course was read as a lesson."""
    folder = workdir / "courses" / "found-course"
    shutil.copytree(FIXTURES / "courses" / "sample-course", folder, dirs_exist_ok=True)
    text = (folder / "course.yaml").read_text(encoding="utf-8")
    (folder / "course.yaml").write_text(_edited(text, lambda doc: doc.__setitem__("lessons", [lesson])),
                                        encoding="utf-8")
    course, errors = load_course(folder, workdir, indicators=known.indicators, scripts=known.scripts,
                                 questions=known.questions, scenarios=known.scenarios, rubrics=known.rubrics)
    assert course is None and errors
    assert all(e.path == "courses/found-course/course.yaml" for e in errors), errors


def test_what_the_fuzz_found_a_segment_of_five_thousand_digit_minutes(known, workdir):
    folder = workdir / "courses" / "long-segment"
    shutil.copytree(FIXTURES / "courses" / "sample-course", folder, dirs_exist_ok=True)
    lesson = folder / "01-basics.md"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("{explain 20}", "{explain " + "9" * 5000 + "}"),
                      encoding="utf-8")
    course, errors = load_course(folder, workdir, indicators=known.indicators, scripts=known.scripts,
                                 questions=known.questions, scenarios=known.scenarios, rubrics=known.rubrics)
    assert course is None and any("分钟不是合理的时长" in e.message for e in errors)


# --- GIFT -------------------------------------------------------------------------------------------------------

GIFT_CHARS = [*"{}=~#:%\\$/[]->.,;T F \n\t", *"abc019", *"好您题答案，。", "\r", "\x00", "\u3000"]
ESCAPES = ("\\~", "\\=", "\\#", "\\{", "\\}", "\\:", "\\\\", "\\n", "\\", "\\x")
NUMBERS = (
    "1e999999", "-1e999999", "1E+999999999", "NaN", "-NaN", "sNaN", "Infinity", "-inf", "0", "-0", "00", "3.14",
    ".5", "5.", "1_000", "١٢٣", "１２３", "9" * 5000, "0." + "0" * 5000 + "1", "1e-999999", "0x10", " 7 ", "", "  ",
    "1e15", "1e16", "123456789012345", "1234567890123456", "-999999999999999",
)
GIFT_FRAGMENTS = (
    *ESCAPES, "{", "}", "{{", "}}", "{T}", "{F}", "{TRUE#对#错}", "{}", "{=a ~b}", "{=a =b}", "{~%50%a ~%50%b}",
    "{=a -> b}", "{#", "####", "::", "::t::", "[html]", "[markdown]", "[plain]", "[moodle]", "<b>x</b>", "<script>",
    "&amp;", "&#0;", "&#x110000;", "$CATEGORY: a/b\n", "$CATEGORY:", "\n// comment\n", "\n\n", "\r\n\r\n", "\r\r",
    "%", "%100%", "%-100%", "%101%", "%1e999%", "%NaN%", "%" + "9" * 400 + "%", "->", "..", "=", "~", "#", "\ufeff",
)


@st.composite
def gift_answer(draw) -> str:
    kind = draw(st.sampled_from(["choice", "numerical", "tf", "raw", "empty"]))
    if kind == "tf":
        return draw(st.sampled_from(["T", "F", "TRUE", "false", "t#对", "F####解析", "T F"]))
    if kind == "empty":
        return draw(st.sampled_from(["", " ", "####只有总反馈", "#"]))
    if kind == "numerical":
        number = st.sampled_from(NUMBERS)
        entries = draw(st.lists(st.tuples(st.sampled_from(["", "=", "=%50%", "=%100%", "~"]), number,
                                          st.sampled_from(["", ":", ".."]), number, st.sampled_from(["", "#反馈"])),
                                min_size=1, max_size=4))
        return "#" + " ".join(f"{m}{a}{sep}{b if sep else ''}{fb}" for m, a, sep, b, fb in entries)
    if kind == "raw":
        return "".join(draw(st.lists(st.one_of(st.sampled_from(GIFT_FRAGMENTS), st.text(GIFT_CHARS, max_size=10)),
                                     max_size=10)))
    options = draw(st.lists(st.tuples(st.sampled_from(["=", "~", "~%50%", "~%-25%", "=%50%", "~%100%", "~%33.333%"]),
                                      gift_text(), st.sampled_from(["", "#对", "#\\#错\\}"])), min_size=1, max_size=5))
    return " ".join(f"{m}{t}{fb}" for m, t, fb in options)


def gift_text(max_size: int = 12):
    return st.lists(st.one_of(st.sampled_from(ESCAPES), st.text(GIFT_CHARS, max_size=4),
                              st.sampled_from(["您好", "對不起", "ＡＢＣ", "\U0001f600", "e\u0301"])),
                    max_size=max_size).map("".join)


@st.composite
def gift_question(draw) -> str:
    title = draw(st.one_of(st.just(""), gift_text(4).map(lambda t: f"::{t}::"), st.just("::no end")))
    fmt = draw(st.sampled_from(["", "", "[html]", "[markdown]", "[plain]", "[moodle]", "[HTML]"]))
    stem = draw(gift_text())
    braces = draw(st.sampled_from(["{}", "{}", "{}", "{", "}", "{{}}", "{}{}", "{}}", ""]))
    answer = draw(gift_answer())
    after = draw(st.one_of(st.just(""), gift_text(4)))
    if braces == "{}":
        body = f"{stem} {{{answer}}}{after}"
    elif braces == "{{}}":
        body = f"{stem} {{{{{answer}}}}}{after}"
    else:
        body = f"{stem} {braces.replace('{', '{' + answer, 1)}{after}"
    comment = draw(st.sampled_from(["", "// 注释\n", "$CATEGORY: $course$/坐席/题\n", "$CATEGORY: 只有分类"]))
    return f"{comment}{title}{fmt}{body}"


NEWLINES = st.sampled_from(["\n", "\r\n", "\r", "\n\r"])


@st.composite
def gift_file(draw) -> str:
    how = draw(st.sampled_from(["questions", "questions", "questions", "chars", "fragments"]))
    if how == "chars":
        return draw(st.text(GIFT_CHARS, max_size=400))
    if how == "fragments":
        return "".join(draw(st.lists(st.sampled_from(GIFT_FRAGMENTS), max_size=30)))
    questions = draw(st.lists(gift_question(), min_size=1, max_size=6))
    parts = [draw(st.sampled_from(["\ufeff", ""]))]
    for question in questions:
        newline = draw(NEWLINES)
        parts.append(question.replace("\n", newline) + newline * draw(st.integers(0, 3)))
    return "".join(parts)


def _lines(text: str) -> int:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1


def assert_gift_result(text: str, result) -> None:
    lines = _lines(text)
    for item in result.items:
        assert isinstance(item, GiftItem)
        assert item.type in QUESTION_TYPES and item.type not in ("short", "reply"), item
        assert 1 <= item.line <= lines, (item.line, lines)
        assert item.stem and item.stem == item.stem.strip(), item
        if item.type in ("single", "multiple"):  # Moodle: {=a =b ~c} is single choice, each = full credit
            assert len(item.options) >= 2 and all(o.text and -100 <= o.weight <= 100 for o in item.options), item
        if item.type == "single":
            assert sum(o.weight >= 100 for o in item.options) >= 1, item
        if item.type == "multiple":
            assert abs(sum(o.weight for o in item.options if o.weight > 0) - 100) <= 0.5, item
        if item.type == "truefalse":
            assert item.answer in (True, False)
        if item.type == "fill":
            assert item.answers and all(a for a in item.answers), item
        if item.type == "numerical":
            assert item.numeric and all(math.isfinite(b) for a in item.numeric for b in a.bounds()), item
        if item.type == "matching":
            assert len([p for p in item.pairs if p.left]) >= 2, item
    for skip in result.skipped:
        assert 1 <= skip.line <= lines and skip.reason, skip


@fuzz(400)
@given(gift_file(), st.sampled_from([None, 1, 3, 2000]))
def test_gift_parses_or_refuses_anything(text, limit):
    try:
        result = parse_gift(text, max_questions=limit)
    except GiftUnreadable as refused:
        assert refused.line >= 1 and str(refused)
        return
    assert_gift_result(text, result)
    assert result.items or result.skipped
    if limit is not None:
        assert len(result.items) + len(result.skipped) <= limit
    assert parse_gift(text, max_questions=limit) == result  # deterministic


@fuzz(15)
@given(st.text(GIFT_CHARS, min_size=200, max_size=1_000).map(lambda text: text * 20)
       | st.lists(gift_question(), min_size=3, max_size=8).map(lambda questions: "\n\n".join(questions * 20)))
def test_gift_copes_with_long_inputs(text):
    with contextlib.suppress(GiftUnreadable):
        assert_gift_result(text, parse_gift(text, max_questions=100))


ROUND_TRIP_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="<>&[%\r\x85\u2028\u2029")


def _shown(text: str) -> str:
    """Text as the parser keeps it: whitespace runs collapsed, blank lines dropped, trimmed."""
    return "\n".join(line for line in (" ".join(raw.split()) for raw in text.split("\n")) if line).strip()


@fuzz(200)
@given(st.text(st.one_of(ROUND_TRIP_CHARS, st.sampled_from("~=#{}:\\\n")), min_size=1, max_size=60),
       st.text(st.one_of(ROUND_TRIP_CHARS, st.sampled_from("~=#{}:\\")), min_size=1, max_size=20),
       st.text(st.one_of(ROUND_TRIP_CHARS, st.sampled_from("~=#{}:\\")), min_size=1, max_size=20),
       st.text(st.one_of(ROUND_TRIP_CHARS, st.sampled_from("~=#{}:\\\n")), max_size=20))
def test_every_escape_round_trips_through_the_writer(stem, right, wrong, title):
    """Whatever a stem, an answer or a title holds, escaped as the exporter writes it, it reads back the same."""
    if not (_shown(stem) and _shown(right) and _shown(wrong)) or _shown(right) == _shown(wrong):
        return
    text = f"::{_escape(title)}:: {_escape(stem)} {{={_escape(right)} ~{_escape(wrong)}}}"
    item = parse_gift(text).items[0]
    assert (item.title, item.stem, item.type) == (title.strip(), _shown(stem), "single")
    assert [o.text for o in item.options] == [_shown(right), _shown(wrong)]


@pytest.mark.parametrize("number", NUMBERS, ids=[f"{n[:10]!r}…{len(n)}" for n in NUMBERS])
@pytest.mark.parametrize("shape", ["{{#{n}}}", "{{#{n}:{n}}}", "{{#{n}..{n}}}", "{{#1..{n}}}", "{{#={n}:0 =%50%{n}}}",
                                   "{{~%{n}%a ~%{n}%b}}", "{{={n} ~x}}"])
def test_gift_numbers_huge_tiny_and_odd(number, shape):
    text = "::n:: 多少？ " + shape.format(n=number) + "\n\n::ok:: 填充 {T}"
    result = parse_gift(text)
    assert_gift_result(text, result)
    assert [i.title for i in result.items][-1:] == ["ok"]
    for item in result.items[:-1]:
        if shape.startswith("{{#"):  # a numerical answer is a numerical question with finite bounds
            assert item.type == "numerical" and all(math.isfinite(b) for a in item.numeric for b in a.bounds()), item


def test_a_huge_gift_file_costs_bounded_work():
    from trainer.content.gift import GiftTooLarge

    with pytest.raises(GiftTooLarge):
        parse_gift("::q:: 题 {T}\n\n" * 5000, max_questions=2000)
    stem = "长" * 1_000_000
    assert parse_gift(f"{stem} {{=a ~b}}").items[0].stem == stem
    assert parse_gift("{" * 100_000 + "}" * 100_000 + "\n\n::ok:: 题 {T}").skipped


# --- the scorer -------------------------------------------------------------------------------------------------

SCORER_CHARS = st.one_of(
    st.characters(),  # anything, lone surrogates included (JSON can carry them)
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),  # full-width forms
    st.characters(max_codepoint=0x1F), st.sampled_from("\x7f\x85\u200b\u200d\u202e\u2028\u2029\ufeff\u3000\u0301"),
    st.sampled_from(list("對不起謝謝請稍等您們這裡馬上處理幫您查詢聯繫麻煩抱歉")),
    st.sampled_from(list("您好请问有什么可以帮您非常抱歉稍等马上处理谢谢再见喂不知道没办法我们不管")),
    st.sampled_from(list("“”「」『』\"'，。！？,.!?；;：:")), st.sampled_from(list("0123456789一二三十百千万点半元")),
)
PHRASES = st.sampled_from([
    "您好", "請問有什麼可以幫您", "非常抱歉", "對不起", "请您稍等", "不知道", "没办法", "我们不管", "有本事你去告",
    "“你们什么都不管”", "十点半", "１０：３０", "三百元", "2小时", "再见", "谢谢您", "喂", "这不归我们管",
])
REPLIES = st.lists(st.one_of(st.text(SCORER_CHARS, max_size=8), PHRASES), max_size=40).map("".join)


def _check_report(text, report) -> None:
    for hit in [*report.banned, *report.found, *report.quoted]:
        assert 0 <= hit.start <= hit.end <= len(text), hit
        assert text[hit.start:hit.end] == hit.matched, hit
    assert 0 <= report.score <= 100


@fuzz(250)
@given(text=REPLIES, script=st.sampled_from(["any", "complaint", "closing", "phone_opening", None]))
def test_the_scorer_never_raises_and_its_spans_are_inside_the_text(rules, text, script):
    first = score(text, script, rules)
    _check_report(text, first)
    assert score(text, script, rules).to_dict() == first.to_dict()


@fuzz(20)
@given(text=st.text(SCORER_CHARS, min_size=500, max_size=1_500).map(lambda t: t * 8)
       | REPLIES.map(lambda t: (t or "您好") * 300))
def test_the_scorer_on_very_long_text(rules, text):
    _check_report(text, score(text, None, rules))


@pytest.fixture(scope="module")
def stages(content) -> list:
    return [stage for scenario in content.scenarios.values() for stage in scenario.stages]


@fuzz(150)
@given(text=REPLIES, earlier=st.lists(REPLIES, max_size=3), data=st.data())
def test_the_reply_grade_never_raises(rules, stages, text, earlier, data):
    """The full grade (key points, facts, relevance, form) on arbitrary text, against a real scenario stage."""
    stage = data.draw(st.sampled_from(stages), label="stage")
    situation = Situation(key_points=stage.key_points, facts=stage.facts, references=(stage.goal, text[:20]),
                          domain=data.draw(st.sampled_from([None, "property", "ecommerce", "utility"])),
                          channel=data.draw(st.sampled_from(["phone", "chat", "counter", "default", "nowhere"])),
                          earlier=tuple(earlier))
    first = grade_reply(text, stage.script, rules, situation)
    _check_report(text, first.report)
    assert 0 <= first.grade <= 100
    for point in first.points:
        if point.start >= 0:
            assert point.start <= point.end <= len(text) and text[point.start:point.end] == point.matched, point
    assert grade_reply(text, stage.script, rules, situation).to_dict() == first.to_dict()


def test_dates_in_content_are_values_not_crashes(workdir):
    """A YAML date where text belongs is an error with its line, not a TypeError."""
    path = workdir / "dates.yaml"
    path.write_text(dump({"passages": [{"id": dt.date(2024, 1, 1), "title": dt.datetime(2024, 1, 1), "text": 1}]}),
                    encoding="utf-8")
    errors = load_passages(path, "dates.yaml")[1]
    assert errors and all(e.line >= 2 for e in errors)


@pytest.mark.parametrize(("text", "line"), [
    ("pass_line: [", 1), ("pass_line: [\n", 1), ("a: 1\nb: [", 2), ("a: 1\nb: [\n\n", 3), ("a: 1\nb: c: d\ne: 2\n", 2),
])
def test_a_yaml_error_points_at_a_line_of_the_file(text, line):
    """libyaml reports an error found at the end of the text on the line after the last one; it is the last."""
    data, errors = parse_yaml(text, "x.yaml")
    assert data is None and [e.line for e in errors] == [line]
