"""The competency model file: the reference weights, and `path:line` errors for broken files."""

import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, acceptance_cases, acceptance_file, repository_content
from trainer.content import load_content
from trainer.content.competency import load_model


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A writable copy of the repository's content tree."""
    shutil.copytree(ROOT / "question_bank", tmp_path / "question_bank")
    return tmp_path


def test_rule_the_repository_content_is_valid():
    content = repository_content()
    assert content.errors == ()
    assert len(content.model.groups) == 3
    assert len(content.model.indicators) == 11
    assert [g.name for g in content.grades] == ["初级", "中级", "高级", "资深"]


def _indicators(groups):
    """Every second-level indicator of the reference model, with the id of its first-level group."""
    return ((ind["id"], {**ind, "group": group["id"]}) for group in groups or [] for ind in group["indicators"])


def test_rule_the_model_has_the_reference_groups_in_their_order():
    expected = yaml.safe_load(acceptance_file("competency_model.yaml").read_text(encoding="utf-8"))
    assert [g.id for g in repository_content().model.groups] == [g["id"] for g in expected]


@pytest.mark.parametrize("want", acceptance_cases("competency_model.yaml"))
def test_rule_a_first_level_group_keeps_its_reference_name_weight_and_indicators(want):
    group = next((g for g in repository_content().model.groups if g.id == want["id"]), None)
    assert group is not None, f"no group {want['id']!r} in the model"
    assert group.name == want["name"]
    assert group.weight == pytest.approx(want["weight"])
    assert [i.id for i in group.indicators] == [i["id"] for i in want["indicators"]]


@pytest.mark.parametrize("want", acceptance_cases("competency_model.yaml", _indicators))
def test_rule_an_indicator_keeps_its_reference_name_and_weights(want):
    model = repository_content().model
    found = [(g.id, i) for g in model.groups for i in g.indicators if i.id == want["id"]]
    assert len(found) == 1, f"indicator {want['id']!r} appears {len(found)} times in the model"
    group_id, ind = found[0]
    assert group_id == want["group"]
    assert ind.name == want["name"]
    assert ind.weight == pytest.approx(want["weight"])
    assert round(ind.combined, 2) == pytest.approx(want["combined"])


def _edit(root: Path, old: str, new: str, name: str = "model.yaml") -> Path:
    path = root / "question_bank" / "competency" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_rule_a_combined_weight_must_be_the_product_of_its_levels(content_copy):
    path = _edit(content_copy, "combined: 11.55", "combined: 12.55")
    errors = load_content(content_copy).errors
    assert [str(e) for e in errors] == [
        f"question_bank/competency/model.yaml:{_line_of(path, 'combined: 12.55')}: "
        "组合权重 12.55 与 一级权重×二级权重 (11.55) 不符"
    ]


def test_rule_second_level_weights_must_sum_to_100(content_copy):
    _edit(content_copy, "weight: 14.08", "weight: 24.08")
    _edit(content_copy, "combined: 4.71", "combined: 8.06")
    messages = [e.message for e in load_content(content_copy).errors]
    assert any("二级指标权重之和应为 100" in m and "110.00" in m for m in messages)


def test_rule_indicator_ids_must_be_unique(content_copy):
    path = _edit(content_copy, "id: teamwork", "id: communication")
    text = path.read_text(encoding="utf-8").splitlines()
    first, second = (n for n, line in enumerate(text, 1) if "id: communication" in line)
    errors = load_content(content_copy).errors
    assert [(e.line, e.message) for e in errors] == [(second, f"指标 id 'communication' 重复 (第 {first} 行已定义)")]


def test_rule_a_duplicate_yaml_key_is_refused(content_copy):
    path = _edit(content_copy, "    weight: 38.15\n", "    weight: 38.15\n    weight: 38.15\n")
    errors = load_content(content_copy).errors
    assert len(errors) == 1
    assert errors[0].line == _line_of(path, "weight: 38.15") + 1
    assert "duplicate key 'weight'" in errors[0].message


def test_rule_a_yaml_syntax_error_points_at_its_line(content_copy):
    path = _edit(content_copy, "name: 人际沟通能力", "name: [人际沟通能力")
    errors = load_content(content_copy).errors
    assert len(errors) == 1
    assert errors[0].message.startswith("YAML 语法错误")
    assert errors[0].line >= _line_of(path, "[人际沟通能力")


def test_rule_unknown_fields_and_wrong_types_are_reported_at_their_lines(content_copy):
    path = _edit(content_copy, "weight: 33.47", "weight: lots\n    colour: blue")
    found = {(e.line, e.message) for e in load_content(content_copy).errors}
    assert (_line_of(path, "weight: lots"), "字段 'weight' 应为数字") in found
    assert (_line_of(path, "colour: blue"), "一级指标 中有未知字段 'colour'") in found


def test_rule_the_model_file_must_be_utf8(content_copy):
    path = content_copy / "question_bank" / "competency" / "model.yaml"
    path.write_bytes("name: 模型".encode("gbk"))
    errors = load_content(content_copy).errors
    assert len(errors) == 1 and "UTF-8" in errors[0].message


def test_rule_a_missing_model_file_is_reported(content_copy):
    (content_copy / "question_bank" / "competency" / "model.yaml").unlink()
    errors = load_content(content_copy).errors
    assert [e.path for e in errors] == ["question_bank/competency/model.yaml"]


def test_rule_grades_must_be_ordered_by_tenure(content_copy):
    _edit(content_copy, "min_tenure_months: 24", "min_tenure_months: 2", name="grades.yaml")
    errors = load_content(content_copy).errors
    assert len(errors) == 1 and "从低到高" in errors[0].message


def test_rule_the_loaded_model_is_read_only():
    model, errors = load_model(ROOT / "question_bank/competency/model.yaml", "model.yaml")
    assert errors == []
    with pytest.raises(AttributeError):
        model.name = "changed"


def test_rule_the_shipped_model_states_the_studys_delphi_figures():
    """The shipped weights carry their origin: 26 experts, two rounds, W 0.317 (first level) / 0.496 (second)."""
    provenance = repository_content().model.provenance
    assert provenance is not None
    assert (provenance.experts, provenance.rounds) == (26, 2)
    assert provenance.as_dict()["w"] == {"first_level": 0.317, "second_level": 0.496}
    assert provenance.as_dict()["kind"] == "model_file"


@pytest.mark.parametrize(("old", "new", "needle"), [
    ("w_first_level: 0.317", "w_first_level: 1.317", "w_first_level"),
    ("experts: 26", "experts: 0", "experts:"),
    ("rounds: 2", "rounds: 2\n  kendall: 0.4", "kendall"),
])
def test_rule_bad_provenance_is_reported_at_its_line(content_copy, old, new, needle):
    path = _edit(content_copy, old, new)
    errors = load_content(content_copy).errors
    assert any(e.line == _line_of(path, needle) and "model.yaml" in e.path for e in errors), errors
