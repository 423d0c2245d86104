"""Lessons a trainee can study alone (issue 13 item 7), and where a course's facts come from (item 5)."""

from pathlib import Path

import pytest

from tests.conftest import content_with_fixtures
from trainer.content import load_content
from trainer.content.depth import CHARS_PER_MINUTE, text_length, thin_segments

LESSON = Path("courses/sample-course/01-basics.md")
COURSE_YAML = Path("courses/sample-course/course.yaml")


@pytest.fixture
def root(tmp_path) -> Path:
    return content_with_fixtures(tmp_path)


def _edit(root: Path, rel: Path, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _course(root: Path):
    content = load_content(root)
    assert content.errors == (), content.errors
    return content.courses["sample-course"]


def test_rule_a_thin_explanation_is_warned_with_its_heading_line(root):
    warnings = thin_segments({"sample-course": _course(root)})
    assert len(warnings) == 1
    assert warnings[0].source == f"{LESSON.as_posix()}:5"  # the `## 为什么要规范 {explain 20}` heading
    assert "计划 20 分钟" in warnings[0].message and f"{CHARS_PER_MINUTE * 20} 字" in warnings[0].message


def test_rule_an_explanation_with_enough_text_is_not_warned(root):
    _edit(root, LESSON, "铃响三声内接听。", "铃响三声内接听，先问候再报单位和姓氏。" * 110)
    assert thin_segments({"sample-course": _course(root)}) == []


def test_rule_markup_does_not_count_as_text(root):
    # a table of the same words counts its words, not its pipes and dashes
    course = _course(root)
    explain = course.segments[0]
    assert text_length(explain) < 40


def test_rule_practice_and_quiz_segments_are_never_thin(root):
    course = _course(root)
    assert [s.kind for s in course.segments] == ["explain", "practice", "quiz"]
    assert {w.source for w in thin_segments({"c": course})} == {f"{LESSON.as_posix()}:5"}


def test_rule_sources_name_a_reference_passage_or_say_it_is_general(root):
    _edit(root, COURSE_YAML, "pass_mark: 60", "pass_mark: 60\nsources:\n  - reference: \"000\"\n"
          "    passage: 接听电话的时限\n  - general: 开场白的示范说法是通行做法")
    course = _course(root)
    assert [(s.reference, s.passage) for s in course.sources] == [("000", "接听电话的时限"),
                                                                (None, "开场白的示范说法是通行做法")]


@pytest.mark.parametrize("entry, message", [
    ('  - reference: "12"\n    passage: x', 'reference 应为参考资料的三位编号，例如 "002"'),
    ('  - reference: "001"', "缺少字段 'passage'"),
    ("  - general: 通行做法\n    passage: y", "要么写 reference 和 passage，要么写 general"),
    ("  - 7", "sources 的第 1 项 应为映射"),
])
def test_rule_a_malformed_source_is_refused_with_its_line(root, entry, message):
    _edit(root, COURSE_YAML, "pass_mark: 60", f"pass_mark: 60\nsources:\n{entry}")
    errors = [str(e) for e in load_content(root).errors]
    assert len(errors) == 1 and errors[0].startswith(f"{COURSE_YAML.as_posix()}:") and message in errors[0], errors
