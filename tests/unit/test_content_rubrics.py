"""Rubric files: the shipped rubrics are complete, and each way a rubric can be wrong is refused with `path:line`."""

import hashlib
import json
import shutil
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from tests.conftest import ROOT, content_with_fixtures, repository_content
from trainer.content import ContentSet, load_content
from trainer.content.rubrics import ITEM_KINDS, RATINGS, load_rubrics, rubric_for
from trainer.content.scenarios import scenario_from_dict

INDICATORS = frozenset({"communication", "teamwork"})
FOLDER = "question_bank/rubrics"

BASE = """\
id: base
name: 测试基准
description: 两个指标的小评分表。
scale:
  1: 20
  2: 40
  3: 60
  4: 80
  5: 100
indicators:
  communication:
    1: 沟通一级
    2: 沟通二级
    3: 沟通三级
    4: 沟通四级
    5: 沟通五级
  teamwork:
    1: 协作一级
    2: 协作二级
    3: 协作三级
    4: 协作四级
    5: 协作五级
"""


def _default(kind: str) -> str:
    return f"id: {kind}-default\nname: {kind} 默认\ndefault_for: {kind}\nextends: base\n"


@pytest.fixture
def root(tmp_path) -> Path:
    """A content root holding a valid rubric set: the base plus one default per item kind."""
    folder = tmp_path / FOLDER
    folder.mkdir(parents=True)
    (folder / "base.yaml").write_text(BASE, encoding="utf-8")
    for kind in ITEM_KINDS:
        (folder / f"{kind}-default.yaml").write_text(_default(kind), encoding="utf-8")
    return tmp_path


def _load(root: Path):
    return load_rubrics(root / FOLDER, root, indicators=INDICATORS)


def _write(root: Path, name: str, text: str) -> str:
    (root / FOLDER / name).write_text(text, encoding="utf-8")
    return f"{FOLDER}/{name}"


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def _errors(root: Path) -> list[str]:
    return [str(e) for e in _load(root)[1]]


# --- the shipped rubrics ------------------------------------------------------------------------------------------


def test_shipped_rubrics_are_complete_and_valid():
    content = repository_content()
    assert content.errors == ()
    indicators = content.model.indicator_ids
    assert len(indicators) == 11
    assert {"base", "complaint-roleplay"} <= set(content.rubrics)
    for rubric in content.rubrics.values():
        assert set(rubric.levels) == indicators, rubric.id
        for anchors in rubric.levels.values():
            assert tuple(anchors) == RATINGS
            assert all(text.strip() for text in anchors.values())
        values = [rubric.value(r) for r in RATINGS]
        assert values == sorted(values) and all(0 <= v <= 100 for v in values)
    defaults = {kind: [r.id for r in content.rubrics.values() if r.default_for == kind] for kind in ITEM_KINDS}
    assert all(len(ids) == 1 for ids in defaults.values()), defaults


def test_shipped_defaults_inherit_the_base_and_reword_some_indicators():
    rubrics = repository_content().rubrics
    base, roleplay, complaint = rubrics["base"], rubrics["roleplay-default"], rubrics["complaint-roleplay"]
    assert base.value(1) == 20 and base.value(3) == 60 and base.value(5) == 100
    assert roleplay.extends == "base" and roleplay.scale == base.scale
    assert roleplay.levels["teamwork"] == base.levels["teamwork"]
    assert roleplay.levels["communication"] != base.levels["communication"]
    assert complaint.default_for is None and complaint.extends == "roleplay-default"
    assert complaint.levels["self_management"] == roleplay.levels["self_management"]
    assert complaint.levels["info_reading"] != roleplay.levels["info_reading"]


def test_shipped_complaint_scenarios_name_the_complaint_rubric():
    content = repository_content()
    named = {s.id for s in content.scenarios.values() if s.rubric == "complaint-roleplay"}
    assert {"gate-barrier-rain", "repeated-repair", "property-fee-late-charge"} <= named
    assert content.scenarios["burst-pipe-night"].rubric is None
    assert rubric_for(content.rubrics, "roleplay", content.scenarios["gate-barrier-rain"].rubric).id == \
        "complaint-roleplay"
    assert rubric_for(content.rubrics, "roleplay", content.scenarios["burst-pipe-night"].rubric).id == \
        "roleplay-default"
    assert rubric_for(content.rubrics, "drill").id == "drill-default"


@pytest.mark.parametrize("rating", [0, 6, True, 2.5, "3"])
def test_value_refuses_a_rating_outside_1_to_5(rating):
    rubric = repository_content().rubrics["base"]
    with pytest.raises(ValueError, match="1–5"):
        rubric.value(rating)


def test_content_set_still_builds_without_rubrics_or_violations():
    content = ContentSet(root=ROOT, model=None, grades=(), errors=())
    assert content.rubrics == {} and content.violations == ()


# --- a small rubric set in tmp_path --------------------------------------------------------------------------------


def test_small_rubric_set_loads_and_inherits(root):
    _write(root, "drill-default.yaml", _default("drill") + "indicators:\n  teamwork:\n"
           + "".join(f"    {r}: 陪练协作{r}级\n" for r in RATINGS))
    rubrics, errors = _load(root)
    assert errors == []
    assert set(rubrics) == {"base", *(f"{kind}-default" for kind in ITEM_KINDS)}
    drill = rubrics["drill-default"]
    assert drill.default_for == "drill" and drill.extends == "base" and drill.description == ""
    assert drill.levels["teamwork"][4] == "陪练协作4级"
    assert drill.levels["communication"] == rubrics["base"].levels["communication"]
    assert drill.scale == {1: 20.0, 2: 40.0, 3: 60.0, 4: 80.0, 5: 100.0}
    assert drill.path == f"{FOLDER}/drill-default.yaml"
    # the child has its own copy: the base's anchors are not shared between rubrics
    assert drill.levels["communication"] is not rubrics["base"].levels["communication"]
    with pytest.raises(AttributeError):
        drill.name = "changed"


@pytest.mark.parametrize(("old", "new", "needle", "message"), [
    ("  teamwork:\n", "  charisma:\n", "charisma:", "未知的能力指标 'charisma'"),
    ("    3: 沟通三级\n", "", "communication:", "指标 'communication' 缺少等级 3 的锚定描述"),
    ("    5: 沟通五级\n", "    6: 沟通五级\n", "6: 沟通五级", "等级 6 超出范围, 应为 1 到 5"),
    ("    5: 沟通五级\n", "    0: 沟通五级\n", "0: 沟通五级", "等级 0 超出范围, 应为 1 到 5"),
    ("    2: 沟通二级\n", "    two: 沟通二级\n", "two: 沟通二级", "等级应为 1 到 5 的整数 (现为 'two')"),
    ("    2: 沟通二级\n", "    2:\n", "    2:", "指标 'communication' 等级 2 的锚定描述不能为空"),
    ("    2: 沟通二级\n", "    2: '  '\n", "    2: '  '", "指标 'communication' 等级 2 的锚定描述不能为空"),
    ("    2: 沟通二级\n", "    2: [沟通, 二级]\n", "2: [沟通", "指标 'communication' 等级 2 的锚定描述应为文本"),
    ("  communication:\n    1", "  communication: 很好\n  x_unused:\n    1", "communication: 很好",
     "指标 'communication' 的锚定描述 应为映射"),
    ("  5: 100\n", "  5: 120\n", "5: 120", "等级 5 的分值应在 0 到 100 之间 (现为 120)"),
    ("  1: 20\n", "  1: -5\n", "1: -5", "等级 1 的分值应在 0 到 100 之间 (现为 -5)"),
    ("  3: 60\n", "  3: 30\n", "3: 30", "分值应随等级不减: 等级 3 为 30, 低于等级 2 的 40"),
    ("  4: 80\n", "  4: 高\n", "4: 高", "等级 4 的分值应为数字"),
    ("  4: 80\n", "", "scale:", "scale 缺少等级 4 的分值"),
    ("  4: 80\n", "  4: 80\n  7: 90\n", "7: 90", "等级 7 超出范围, 应为 1 到 5"),
    ("scale:\n  1: 20\n  2: 40\n  3: 60\n  4: 80\n  5: 100\n", "", "id: base", "缺少字段 'scale'"),
    ("description: 两个指标的小评分表。\n", "description: 两个指标的小评分表。\ncolour: blue\n", "colour: blue",
     "评分表 中有未知字段 'colour'"),
    ("id: base\n", "id: basis\n", "id: basis", "评分表 id 'basis' 应与文件名 'base' 相同"),
    ("id: base\n", "id: Base Rubric\n", "id: Base", "评分表 id 'Base Rubric' 只能包含小写字母、数字、- 和 _"),
    ("name: 测试基准\n", "", "id: base", "缺少字段 'name'"),
    ("id: base\n", "id: base\ndefault_for: hotline\n", "default_for: hotline",
     "default_for 应为 roleplay / course_practice / exam_answer / exam_essay / practice / drill"),
    ("  teamwork:\n" + "".join(f"    {r}: 协作{'一二三四五'[r - 1]}级\n" for r in RATINGS), "", "indicators:",
     "缺少能力指标 teamwork 的锚定描述 (不继承其他评分表时须列出模型的全部指标)"),
    ("indicators:\n", "indicators: []\nold_indicators:\n", "indicators: []", "indicators 应为映射"),
])
def test_bad_rubric_is_refused_at_its_line(root, old, new, needle, message):
    text = BASE
    assert old in text, old
    text = text.replace(old, new, 1)
    shown = _write(root, "base.yaml", text)
    expected = f"{shown}:{_line(text, needle)}: {message}"
    errors = _errors(root)
    assert any(e.startswith(expected) for e in errors), errors


def test_a_yaml_syntax_error_is_reported_once(root):
    shown = _write(root, "base.yaml", BASE.replace("    3: 沟通三级", "    3: [沟通三级"))
    errors = _errors(root)
    assert len(errors) == 1 and errors[0].startswith(f"{shown}:") and "YAML 语法错误" in errors[0]


def test_a_listed_indicator_needs_all_five_levels_even_when_inherited(root):
    text = _default("drill") + "indicators:\n  teamwork:\n    1: 只写了一级\n"
    shown = _write(root, "drill-default.yaml", text)
    assert _errors(root) == [f"{shown}:{_line(text, 'teamwork:')}: 指标 'teamwork' 缺少等级 2, 3, 4, 5 的锚定描述"]


def test_a_child_may_restate_the_scale(root):
    text = _default("exam_answer") + "scale: {1: 0, 2: 25, 3: 50, 4: 75, 5: 100}\n"
    _write(root, "exam_answer-default.yaml", text)
    rubrics, errors = _load(root)
    assert errors == []
    assert rubrics["exam_answer-default"].value(2) == 25
    assert rubrics["base"].value(2) == 40


def test_two_defaults_for_one_kind(root):
    text = "id: zz-drill\nname: 另一个\ndefault_for: drill\nextends: base\n"
    shown = _write(root, "zz-drill.yaml", text)
    assert _errors(root) == [
        f"{shown}:{_line(text, 'default_for')}: drill 已有默认评分表 'drill-default' "
        f"({FOLDER}/drill-default.yaml), 'zz-drill' 不能再作为它的默认评分表"
    ]


def test_a_kind_without_a_default(root):
    (root / FOLDER / "drill-default.yaml").unlink()
    assert _errors(root) == [f"{FOLDER}:1: 缺少 drill 的默认评分表 (须有一个评分表写 default_for: drill)"]


def test_a_broken_default_is_not_also_reported_as_missing(root):
    text = _default("drill") + "colour: blue\n"
    shown = _write(root, "drill-default.yaml", text)
    rubrics, errors = _load(root)
    assert [str(e) for e in errors] == [f"{shown}:{_line(text, 'colour')}: 评分表 中有未知字段 'colour'"]
    assert "drill-default" not in rubrics


def test_extends_an_unknown_rubric(root):
    text = _default("drill").replace("extends: base", "extends: nowhere")
    shown = _write(root, "drill-default.yaml", text)
    rubrics, errors = _load(root)
    assert [str(e) for e in errors] == [f"{shown}:{_line(text, 'extends')}: extends 的评分表 'nowhere' 不存在"]
    assert "drill-default" not in rubrics


def test_extends_cycle_is_reported_in_every_file_of_the_loop(root):
    a = _write(root, "loop-a.yaml", "id: loop-a\nname: 甲\nextends: loop-b\n")
    b = _write(root, "loop-b.yaml", "id: loop-b\nname: 乙\nextends: loop-a\n")
    # a rubric extending into the loop cannot be resolved either, but the loop is the one problem to report
    _write(root, "after-loop.yaml", "id: after-loop\nname: 丙\nextends: loop-a\n")
    rubrics, errors = _load(root)
    assert sorted(str(e) for e in errors) == [
        f"{a}:3: 评分表继承形成循环: loop-a → loop-b → loop-a",
        f"{b}:3: 评分表继承形成循环: loop-b → loop-a → loop-b",
    ]
    assert not {"loop-a", "loop-b", "after-loop"} & set(rubrics)


def test_a_rubric_extending_itself(root):
    shown = _write(root, "selfish.yaml", "id: selfish\nname: 自己\nextends: selfish\n")
    assert _errors(root) == [f"{shown}:3: 评分表继承形成循环: selfish → selfish"]


def test_extending_a_broken_rubric_reports_only_the_broken_file(root):
    text = BASE.replace("    3: 沟通三级\n", "")
    shown = _write(root, "base.yaml", text)
    rubrics, errors = _load(root)
    assert [str(e) for e in errors] == [
        f"{shown}:{_line(text, 'communication:')}: 指标 'communication' 缺少等级 3 的锚定描述"
    ]
    assert rubrics == {}


def test_unknown_indicators_are_not_checked_without_a_model(root):
    text = BASE.replace("  teamwork:\n", "  charisma:\n")
    _write(root, "base.yaml", text)
    rubrics, errors = load_rubrics(root / FOLDER, root, indicators=None)
    assert errors == []
    assert set(rubrics["base"].levels) == {"communication", "charisma"}


def test_missing_rubrics_folder(tmp_path):
    rubrics, errors = load_rubrics(tmp_path / FOLDER, tmp_path, indicators=INDICATORS)
    assert rubrics == {} and [str(e) for e in errors] == [f"{FOLDER}:1: 找不到评分表文件夹"]


# --- load_content: the folder, and scenarios and courses that name a rubric ----------------------------------------


@pytest.fixture
def content_root(tmp_path) -> Path:
    return content_with_fixtures(tmp_path)


SCENARIO = "question_bank/scenarios/fixture-leak.yaml"
COURSE = "courses/sample-course/course.yaml"


def _edit(root: Path, rel: str, old: str, new: str) -> str:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text


def test_load_content_reports_a_missing_rubrics_folder(content_root):
    shutil.rmtree(content_root / FOLDER)
    assert [str(e) for e in load_content(content_root).errors] == [f"{FOLDER}:1: 找不到评分表文件夹"]


def test_a_scenario_naming_an_unknown_rubric(content_root):
    text = _edit(content_root, SCENARIO, "opening:", "rubric: nowhere\nopening:")
    errors = [str(e) for e in load_content(content_root).errors]
    assert errors == [f"{SCENARIO}:{_line(text, 'rubric: nowhere')}: 未知的评分表 'nowhere'"]


def test_a_scenario_naming_a_broken_rubric_is_not_unknown(content_root):
    _edit(content_root, SCENARIO, "opening:", "rubric: complaint-roleplay\nopening:")
    _edit(content_root, f"{FOLDER}/complaint-roleplay.yaml", "name: ", "colour: blue\nname: ")
    errors = load_content(content_root).errors
    assert [e.path for e in errors] == [f"{FOLDER}/complaint-roleplay.yaml"]


def test_a_scenario_names_a_rubric_and_survives_the_database_round_trip(content_root):
    _edit(content_root, SCENARIO, "opening:", "rubric: complaint-roleplay\nopening:")
    content = load_content(content_root)
    assert content.errors == ()
    scenario = content.scenarios["fixture-leak"]
    assert scenario.rubric == "complaint-roleplay"
    assert scenario_from_dict(asdict(scenario)) == scenario
    # sessions stored before scenarios could name a rubric have no such key
    old = asdict(scenario)
    del old["rubric"]
    assert scenario_from_dict(old).rubric is None
    # naming no rubric leaves the hash as it was before the field existed; naming one changes it
    plain = replace(scenario, rubric=None)
    without = {k: v for k, v in asdict(plain).items() if k != "rubric"}
    digest = hashlib.sha256(json.dumps(without, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]
    assert plain.content_hash == digest
    assert plain.content_hash != scenario.content_hash


def test_a_course_naming_a_rubric(content_root):
    text = _edit(content_root, COURSE, "pass_mark: 60", "pass_mark: 60\nrubric: course-practic-default")
    errors = [str(e) for e in load_content(content_root).errors]
    assert errors == [f"{COURSE}:{_line(text, 'rubric:')}: 未知的评分表 'course-practic-default'"]
    _edit(content_root, COURSE, "course-practic-default", "course-practice-default")
    content = load_content(content_root)
    assert content.errors == ()
    assert content.courses["sample-course"].rubric == "course-practice-default"
