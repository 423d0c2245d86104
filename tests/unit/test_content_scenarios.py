"""Scenario files: each way a scenario can be wrong is refused with `path:line`, and the rest loads."""

from pathlib import Path

import pytest

from tests.conftest import content_with_fixtures
from trainer.content import load_content

FILE = "question_bank/scenarios/fixture-leak.yaml"


@pytest.fixture
def root(tmp_path) -> Path:
    return content_with_fixtures(tmp_path)


def _errors_after(root: Path, old: str, new: str) -> tuple[list[str], int]:
    """Edit the fixture scenario; return the problems in it and the line of the first edited line."""
    path = root / FILE
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [str(e) for e in load_content(root).errors if e.path == FILE], line


def test_fixture_scenario_loads(root):
    content = load_content(root)
    assert content.errors == ()
    assert [s.id for s in content.scenarios["fixture-leak"].stages] == ["calm", "solve"]


@pytest.mark.parametrize(("old", "new", "offset", "message"), [
    ("id: fixture-leak", "id: other-name", 0, "情景 id 'other-name' 应与文件名 'fixture-leak' 相同"),
    ("domain: property", "domain: hotel", 0, "domain 应为 property / utility / ecommerce"),
    ("start_emotion: 60", "start_emotion: 160", 0, "start_emotion 应在 0 到 100 之间"),
    ("max_turns: 6", "max_turns: 0", 0, "max_turns 应在 1 到 50 之间"),
    ("thresholds: {escalate: 90, hang_up: 100}", "thresholds: {escalate: 100, hang_up: 90}", 0,
     "应满足 0 < escalate ≤ hang_up ≤ 100"),
    ("indicators: [understanding_needs, communication]", "indicators: [understanding_needs, charisma]", 0,
     "未知的能力指标 'charisma'"),
    ("script: complaint", "script: chat", 0, "未知的话术类型 'chat'"),
    ("then: escalate", "then: shout", 0, "then 应为 next / stay / escalate / hang_up / resolve 或 goto:<环节 id>"),
    ("then: escalate", "then: goto:nowhere", 0, "goto 的环节 'nowhere' 不存在"),
    ("emotion: 40", "emotion: 400", 0, "emotion 应在 -100 到 100 之间"),
    ("when: {missing: [apology]}", "when: {missing: [sympathy]}", 0, "未知的礼貌用语分组 'sympathy'"),
    ("when: {covered: [time]}", "when: {covered: [room]}", 0, "本环节没有要点 'room'"),
    ("when: {missing: [apology]}", "when: {missing: [apology], mood: bad}", 0, "when"),
    ("when: {missing: [apology]}", "when: {said: []}", 0, "said 应为至少一个说法的列表"),
])
def test_bad_scenario_fields_are_refused_by_line(root, old, new, offset, message):
    errors, line = _errors_after(root, old, new)
    assert any(e.startswith(f"{FILE}:{line + offset}:") and message in e for e in errors), errors


def test_every_stage_needs_a_fallback_branch(root):
    errors, _ = _errors_after(root, "      - customer: 到底几点来？\n        emotion: 5\n        then: stay\n",
                              "      - when: {slow: true}\n        customer: 到底几点来？\n        emotion: 5\n"
                              "        then: stay\n")
    assert any("每个环节的最后一个分支必须是没有 when 的兜底分支" in e for e in errors), errors


def test_a_broken_scenario_is_left_out_and_reported_on_its_own(root):
    _errors_after(root, "start_emotion: 60", "start_emotion: lots")
    content = load_content(root)
    assert "fixture-leak" not in content.scenarios
    assert all(e.path == FILE for e in content.errors)


def test_said_condition_loads(root):
    errors, _ = _errors_after(root, "when: {missing: [apology]}", "when: {said: [找楼上, 楼上…负责]}")
    assert errors == []
    stage = load_content(root).scenarios["fixture-leak"].stages[0]
    assert any(b.when and b.when.said == ("找楼上", "楼上…负责") for b in stage.branches)
