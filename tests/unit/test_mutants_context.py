"""Rules of trainer.scoring.context that mutation testing found unguarded (see tests/MUTANTS.md)."""

import pytest

from trainer.scoring.context import compile_context, gap_regex


@pytest.mark.parametrize("source", ["请…等一下", "请...等一下", "請…等一下"])
def test_rule_a_context_is_its_normalised_pieces_with_a_gap_for_each_ellipsis_of_either_form(source):
    context = compile_context(source, 4)
    assert context.source == source  # reported as it was written
    assert context.pieces == ("请", "等一下")
    assert context.regex.pattern == "请" + gap_regex(4) + "等一下"
    assert [m.group() for m in context.regex.finditer("请您稍等一下.请您再稍微慢点等一下")] == ["请您稍等一下"]


def test_rule_a_context_may_start_or_end_with_a_gap_and_then_has_only_its_inner_pieces():
    context = compile_context("…等一下…", 2)
    assert context.pieces == ("等一下",)
    assert context.regex.pattern == gap_regex(2) + "等一下" + gap_regex(2)
    assert compile_context("您找谁", 2).pieces == ("您找谁",)
