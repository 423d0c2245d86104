"""Violation categories: the reference's severe deductions, and `path:line` errors for broken files."""

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, repository_content
from trainer.content import load_content
from trainer.content.violations import VIOLATION_LEVELS, load_violations

FILE = "question_bank/competency/violations.yaml"

GOOD = """\
violations:
  - id: late
    name: 迟到
    level: light
    points: 2
    description: 上班迟到。
  - id: rude
    name: 态度生硬
    level: medium
    points: 5
    description: 对客户语气生硬。
    note: 同时记入当月考评。
"""


def _load(tmp_path: Path, text: str):
    path = tmp_path / "violations.yaml"
    path.write_text(text, encoding="utf-8")
    return load_violations(path, FILE)


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_shipped_violations_are_the_reference_severe_deductions():
    content = repository_content()
    assert content.errors == ()
    by_id = {v.id: v for v in content.violations}
    assert len(by_id) == 6
    assert all(v.level == "severe" for v in content.violations)
    assert sorted(v.points for v in content.violations) == [10, 20, 20, 20, 20, 20]
    assert by_id["outsider-in-work-area"].points == 10
    assert "赔偿" in by_id["equipment-removed"].note
    assert all(v.name and v.description for v in content.violations)


def test_every_level_is_accepted(tmp_path):
    categories, errors = _load(tmp_path, GOOD)
    assert errors == []
    assert [(c.id, c.level, c.points, c.note) for c in categories] == [
        ("late", "light", 2, ""), ("rude", "medium", 5, "同时记入当月考评。"),
    ]
    assert VIOLATION_LEVELS == ("severe", "medium", "light")
    with pytest.raises(AttributeError):
        categories[0].points = 1


@pytest.mark.parametrize(("old", "new", "needle", "message"), [
    ("id: rude", "id: late", 7, "违规类别 id 'late' 重复 (第 2 行已定义)"),
    ("id: rude", "id: Rude!", "id: Rude!", "违规类别 id 'Rude!' 只能包含小写字母、数字、- 和 _"),
    ("points: 5", "points: 0", "points: 0", "points 应为 1 到 100 之间的整数 (现为 0)"),
    ("points: 5", "points: -5", "points: -5", "points 应为 1 到 100 之间的整数 (现为 -5)"),
    ("points: 5", "points: 2.5", "points: 2.5", "字段 'points' 应为整数"),
    ("points: 5", "points: 五分", "points: 五分", "字段 'points' 应为整数"),
    ("points: 5", "points: true", "points: true", "字段 'points' 应为整数"),
    ("level: medium", "level: critical", "level: critical", "level 应为 severe / medium / light"),
    ("    name: 态度生硬\n", "", "id: rude", "缺少字段 'name'"),
    ("    description: 对客户语气生硬。\n", "", "id: rude", "缺少字段 'description'"),
    ("    note: 同时记入当月考评。\n", "    note: 同时记入当月考评。\n    per: month\n", "per: month",
     "违规类别 中有未知字段 'per'"),
    ("violations:\n", "source: 001\nviolations:\n", "source: 001", "违规扣分文件 中有未知字段 'source'"),
])
def test_bad_violation_is_refused_at_its_line(tmp_path, old, new, needle, message):
    assert old in GOOD, old
    text = GOOD.replace(old, new, 1)
    categories, errors = _load(tmp_path, text)
    assert categories == ()
    line = needle if isinstance(needle, int) else _line(text, needle)
    assert f"{FILE}:{line}: {message}" in [str(e) for e in errors], errors


def test_an_empty_list_is_refused(tmp_path):
    categories, errors = _load(tmp_path, "violations: []\n")
    assert categories == () and [str(e) for e in errors] == [f"{FILE}:1: 至少需要一个违规类别"]


def test_a_yaml_syntax_error(tmp_path):
    _, errors = _load(tmp_path, GOOD.replace("name: 迟到", "name: [迟到"))
    assert len(errors) == 1 and errors[0].message.startswith("YAML 语法错误")


def test_missing_violations_file_is_an_error(tmp_path):
    shutil.copytree(ROOT / "question_bank", tmp_path / "question_bank")
    (tmp_path / FILE).unlink()
    assert [str(e) for e in load_content(tmp_path).errors] == [f"{FILE}:1: 找不到违规扣分文件"]
