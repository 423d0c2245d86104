"""Course files: each way a course can be wrong is refused with `path:line`."""

from pathlib import Path

import pytest
import yaml

from tests.conftest import content_with_fixtures, repository_content
from trainer.content import load_content
from trainer.content.markdown import render

COURSE = Path("courses/sample-course")


@pytest.fixture
def root(tmp_path) -> Path:
    return content_with_fixtures(tmp_path)


def _edit(root: Path, rel: str, old: str, new: str) -> Path:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def _errors(root: Path) -> list[str]:
    return [str(e) for e in load_content(root).errors]


def test_fixture_course_is_valid(root):
    content = load_content(root)
    assert content.errors == ()
    course = content.courses["sample-course"]
    assert course.minutes == 60
    assert [s.kind for s in course.segments] == ["explain", "practice", "quiz"]
    assert course.quiz == ("fx-single", "fx-fill", "fx-tf")


def test_minutes_must_add_up_to_sixty(root):
    _edit(root, f"{COURSE}/01-basics.md", "{explain 20}", "{explain 15}")
    assert _errors(root) == [
        "courses/sample-course/course.yaml:1: 各环节合计 55 分钟, 应为 60 分钟 (为什么要规范 15, 写一写 30, 测验 10)"
    ]


def test_unknown_indicator(root):
    path = _edit(root, f"{COURSE}/course.yaml", "self_management]", "patience]")
    line = _line(path, "indicators")
    assert _errors(root) == [f"courses/sample-course/course.yaml:{line}: 未知的能力指标 'patience'"]


def test_unknown_question_id(root):
    path = _edit(root, f"{COURSE}/01-basics.md", "fx-tf]", "fx-missing]")
    line = _line(path, "fx-missing")
    assert _errors(root) == [f"courses/sample-course/01-basics.md:{line}: 未知的题目 id 'fx-missing'"]


def test_script_tag_is_refused(root):
    path = _edit(root, f"{COURSE}/01-basics.md", "铃响三声内接听。", "铃响三声内接听。\n\n<script>alert(1)</script>")
    line = _line(path, "<script>")
    assert _errors(root) == [f"courses/sample-course/01-basics.md:{line}: 不允许使用 HTML 标签 (请只用 Markdown)"]


def test_inline_html_is_refused_too(root):
    path = _edit(root, f"{COURSE}/01-basics.md", "铃响三声内接听。", '铃响<img src=x onerror="alert(1)">三声')
    assert _errors(root) == [
        f"courses/sample-course/01-basics.md:{_line(path, '<img')}: 不允许使用 HTML 标签 (请只用 Markdown)"
    ]


def test_duplicate_slug(root):
    (root / "courses" / "copy").mkdir()
    for name in ("course.yaml", "01-basics.md"):
        (root / "courses" / "copy" / name).write_bytes((root / COURSE / name).read_bytes())
    _edit(root, "courses/copy/course.yaml", "title:", "slug: sample-course\ntitle:")
    errors = _errors(root)
    assert len(errors) == 1
    assert errors[0].startswith("courses/sample-course/course.yaml:1: 课程 slug 'sample-course' 重复")


def test_segment_heading_without_kind(root):
    path = _edit(root, f"{COURSE}/01-basics.md", "## 为什么要规范 {explain 20}", "## 为什么要规范")
    errors = _errors(root)
    assert errors[0] == (
        f"courses/sample-course/01-basics.md:{_line(path, '为什么要规范')}: "
        "环节标题 '为什么要规范' 缺少 {类型 分钟}, 例如 ## 讲解 {explain 15}"
    )


def test_bad_yaml_in_a_block_points_into_the_lesson(root):
    path = _edit(root, f"{COURSE}/01-basics.md", "script: phone_opening", "script: [phone_opening")
    line = _line(path, "script: [phone_opening")
    # YAML notices the unclosed list on the next line, which is where it reports it.
    message = ("YAML 语法错误: did not find expected ',' or ']'" if yaml.__with_libyaml__  # libyaml's wording
               else "YAML 语法错误: expected ',' or ']', but got ':'")
    assert _errors(root) == [f"courses/sample-course/01-basics.md:{line + 1}: {message}"]


def test_unknown_script_and_scenario(root):
    path = _edit(root, f"{COURSE}/01-basics.md", "script: phone_opening", "script: chat")
    errors = _errors(root)
    assert errors == [f"courses/sample-course/01-basics.md:{_line(path, 'script: chat')}: 未知的话术类型 'chat'"]
    _edit(root, f"{COURSE}/01-basics.md", "script: chat", "script: phone_opening")
    block = "```roleplay\nscenario: no-such-scenario\n```\n\n## 测验 {quiz 10}"
    path = _edit(root, f"{COURSE}/01-basics.md", "## 测验 {quiz 10}", block)
    assert _errors(root) == [
        f"courses/sample-course/01-basics.md:{_line(path, 'no-such-scenario')}: 未知的情景演练 'no-such-scenario'"
    ]


def test_a_known_scenario_is_embedded(root):
    block = "```roleplay\nscenario: fixture-leak\n```\n\n## 测验 {quiz 10}"
    _edit(root, f"{COURSE}/01-basics.md", "## 测验 {quiz 10}", block)
    content = load_content(root)
    assert content.errors == ()
    assert content.courses["sample-course"].segments[1].scenarios == ("fixture-leak",)


def test_practice_ids_are_stable_when_given_and_unique(root):
    path = _edit(root, f"{COURSE}/01-basics.md", "id: p2-1", "id: opening")
    course = load_content(root).courses["sample-course"]
    practice = course.practices[0]
    assert practice.id == "sample-course-opening" and practice.model_answer.startswith("您好")
    second = ("```practice\nid: opening\nscript: any\nprompt: 再写一次。\nmodel_answer: 我姓林。\n"
              "key_points:\n  - {label: 报出姓氏, act: state, phrases: [我姓]}\n```\n\n## 测验 {quiz 10}")
    path = _edit(root, f"{COURSE}/01-basics.md", "## 测验 {quiz 10}", second)
    line = [n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text == "id: opening"][1]
    assert _errors(root) == [f"courses/sample-course/01-basics.md:{line}: 练习 id sample-course-opening 重复"]
    _edit(root, f"{COURSE}/01-basics.md", "id: opening\nscript: any", "id: Opening!\nscript: any")
    assert any("练习 id 'Opening!' 只能包含" in e for e in _errors(root))


def test_quiz_must_be_in_a_quiz_segment_and_only_once(root):
    _edit(root, f"{COURSE}/01-basics.md", "{quiz 10}", "{explain 10}")
    assert any("```quiz 代码块只能放在 quiz 类型的环节里" in e for e in _errors(root))


def test_prerequisite_must_exist_and_not_loop(root):
    _edit(root, f"{COURSE}/course.yaml", "version: 1", "version: 1\nprerequisites: [nowhere]")
    assert _errors(root) == ["courses/sample-course/course.yaml:1: 先修课程 'nowhere' 不存在"]
    _edit(root, f"{COURSE}/course.yaml", "[nowhere]", "[sample-course]")
    assert "courses/sample-course/course.yaml:1: 课程不能把自己列为先修课程" in _errors(root)


def test_question_file_errors(root):
    path = _edit(root, "question_bank/questions/zz-fixture.yaml", "    answer: false", "    answer: maybe")
    assert _errors(root) == [
        f"question_bank/questions/zz-fixture.yaml:{_line(path, 'answer: maybe')}: 字段 'answer' 应为true/false"
    ]


def test_single_choice_needs_exactly_one_right_option(root):
    second_right = "      - text: 十声\n        correct: true"
    path = _edit(root, "question_bank/questions/zz-fixture.yaml", "      - text: 十声", second_right)
    assert _errors(root) == [
        f"question_bank/questions/zz-fixture.yaml:{_line(path, 'options:')}: 单选题应恰好有一个正确选项 (现有 2 个)"
    ]


def test_duplicate_question_id_across_files(root):
    copy = root / "question_bank" / "questions" / "zz-copy.yaml"
    copy.write_text((root / "question_bank/questions/zz-fixture.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    errors = _errors(root)
    assert len(errors) == 3
    first = "重复 (首次出现在 question_bank/questions/zz-copy"
    assert all(e.startswith("question_bank/questions/zz-fixture.yaml:") and first in e for e in errors)


def test_rendering_escapes_html_and_renders_tables():
    html = render("| a | b |\n|---|---|\n| 1 | <b>2</b> |\n\n[x](javascript:alert(1))")
    assert "<table>" in html and "<b>" not in html and "&lt;b&gt;" in html
    assert 'href="javascript' not in html  # markdown-it refuses the link; the text stays as text


def test_repository_courses_if_present_are_complete():
    content = repository_content()
    assert content.errors == ()
    for course in content.courses.values():
        assert course.minutes == 60
        assert len(course.quiz) >= 5, course.slug
        assert course.practices, course.slug
    assert len(content.courses) >= 10


def test_shipped_model_answers_pass_their_own_practice():
    """A model answer shown to trainees must itself be polite, free of banned phrases and cover every key point."""
    from trainer.scoring import cover, score
    from trainer.scoring.keypoints import coverage

    content = repository_content()
    answers = [(c.slug, p) for c in content.courses.values() for p in c.practices if p.model_answer]
    assert answers
    for slug, practice in answers:
        report = score(practice.model_answer, practice.script, content.rules)
        assert report.passed and not report.banned and not report.missing, (slug, practice.id, report.missing)
        assert coverage(cover(practice.model_answer, practice.key_points)) == 1.0, (slug, practice.id)


def test_rule_every_shipped_scenario_is_embedded_in_a_course():
    content = repository_content()
    embedded = {s for course in content.courses.values() for segment in course.segments for s in segment.scenarios}
    assert set(content.scenarios) - embedded == set()


def test_rule_every_shipped_course_names_its_sources_and_is_deep_enough_to_study_alone():
    from trainer.content.depth import thin_segments

    content = repository_content()
    assert [c.slug for c in content.courses.values() if not c.sources] == []
    assert [str(w) for w in thin_segments(content.courses)] == []
