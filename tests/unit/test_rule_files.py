"""A broken rule file is refused as a whole, with `path:line: message` for every problem."""

from pathlib import Path

import pytest

from tests.conftest import ROOT
from trainer.content.phrases import read_rule_texts, rules_from_texts
from trainer.scoring.rules import compile_pattern

INDICATORS = frozenset({"communication", "self_management", "solution_offering", "product_knowledge",
                        "understanding_needs", "reflective_practice"})


@pytest.fixture
def texts() -> dict[str, str]:
    loaded, errors = read_rule_texts(ROOT / "question_bank" / "phrases")
    assert errors == []
    return loaded


def _errors(texts, name, old, new):
    assert old in texts[name], old
    changed = {**texts, name: texts[name].replace(old, new, 1)}
    rules, errors = rules_from_texts(changed, indicator_ids=INDICATORS, shown_prefix="question_bank/phrases/")
    assert rules is None
    line = next(n for n, text in enumerate(changed[name].splitlines(), 1) if new.splitlines()[0] in text)
    return [(e.path, e.line, e.message) for e in errors], line


def test_the_repository_rules_load(texts):
    rules, errors = rules_from_texts(texts, indicator_ids=INDICATORS)
    assert errors == [] and rules is not None


def test_bad_regex(texts):
    good, bad = "patterns: ['有本事{within:12}告']", "patterns: ['有本事({within:12}告']"
    errors, line = _errors(texts, "banned.yaml", good, bad)
    assert len(errors) == 1
    path, at, message = errors[0]
    assert (path, at) == ("question_bank/phrases/banned.yaml", line)
    assert message.startswith("正则表达式无效 '有本事({within:12}告'")


def test_pattern_without_fixed_text(texts):
    errors, line = _errors(texts, "banned.yaml", "patterns: ['有本事{within:12}告']", "patterns: ['(有|没)?…']")
    assert [(at, "没有固定文字" in message) for _, at, message in errors] == [(line, True)]


def test_unknown_group_in_a_script(texts):
    errors, line = _errors(texts, "scripts.yaml", "      - {group: hold}", "      - {group: holding}")
    assert errors == [("question_bank/phrases/scripts.yaml", line, "未知的礼貌用语分组 'holding'")]


def test_unknown_indicator(texts):
    errors, line = _errors(texts, "banned.yaml", "indicator: self_management", "indicator: patience")
    assert errors == [("question_bank/phrases/banned.yaml", line, "未知的能力指标 'patience'")]


def test_duplicate_banned_phrase_even_in_another_script_or_width(texts):
    errors, line = _errors(texts, "banned.yaml", "  - phrase: 快点\n", "  - phrase: 急什麼\n")
    assert len(errors) == 1
    assert errors[0][1] == line and errors[0][2].startswith("忌语 '急什么' 重复")


def test_duplicate_polite_phrase(texts):
    errors, _ = _errors(texts, "groups.yaml", "phrases: [再见, 慢走,", "phrases: [再见, 再見,")
    assert len(errors) == 1 and "礼貌用语 '再见' 重复" in errors[0][2]


def test_allowed_context_that_cannot_apply(texts):
    errors, line = _errors(texts, "banned.yaml", "allow: [就这么说定]", "allow: [就这样定了]")
    message = "允许语境 '就这样定了' 不包含忌语 '就这么说', 永远不会生效"
    assert errors == [("question_bank/phrases/banned.yaml", line, message)]


def test_unknown_field_and_bad_severity(texts):
    errors, _ = _errors(texts, "banned.yaml", "    severity: critical\n", "    severity: fatal\n    colour: red\n")
    messages = {message for _, _, message in errors}
    assert "severity 应为 minor / major / critical" in messages
    assert "忌语 中有未知字段 'colour'" in messages


def test_prescribed_phrase_that_no_group_recognises(texts):
    errors, _ = _errors(texts, "groups.yaml", "phrases: [请稍等, 稍等,", "phrases: [")
    assert any("规范用语 '请稍等!' 没有被识别为分组 'hold'" in message for _, _, message in errors)


def test_critical_cap_must_stay_below_the_pass_line(texts):
    errors, line = _errors(texts, "scoring.yaml", "critical_cap: 40", "critical_cap: 70")
    assert errors == [("question_bank/phrases/scoring.yaml", line,
                       "critical_cap 必须低于 pass_line, 否则恶劣忌语不会导致不及格")]


def test_missing_file(tmp_path: Path, texts):
    for name, text in texts.items():
        if name != "scripts.yaml":
            (tmp_path / name).write_text(text, encoding="utf-8")
    _, errors = read_rule_texts(tmp_path, "phrases/")
    assert [str(e) for e in errors] == ["phrases/scripts.yaml:1: 找不到规则文件"]


@pytest.mark.parametrize(
    ("pattern", "anchors"),
    [
        ("我姓{han}", ("我姓",)),
        ("{hans}客服中心", ("客服中心",)),
        ("[跟和与](我们|物业)…没有?关系", ("关系",)),
        ("(马上|立即)…(处理|安排)", ("马上", "立即")),
        ("你(还)?没听懂|你(还)?听不懂", ("没听懂", "听不懂")),
    ],
)
def test_pattern_anchors(pattern, anchors):
    compiled, problem = compile_pattern(pattern, 8)
    assert problem is None and compiled.anchors == anchors


def test_patterns_are_folded_to_simplified_and_refuse_full_width():
    compiled, _ = compile_pattern("跟我們…沒關係", 8)
    assert compiled.regex.search("跟我们物业没关系")
    assert compile_pattern("跟我们，没关系", 8)[1].startswith("模式")
