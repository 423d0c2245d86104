"""Each banned-phrase suppressor on its own (trainer/scoring/suppressors.py), including the edges where an
agent would otherwise be falsely accused: partial coverage by an allowed context, particles at a clause's
edge, the clause-length limit exactly reached."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from trainer.scoring.context import compile_context
from trainer.scoring.matcher import Layout
from trainer.scoring.normalize import normalize
from trainer.scoring.suppressors import (
    SUPPRESSORS,
    AllowedContext,
    Alone,
    Candidate,
    MaxClause,
    Quoted,
    WithAll,
    Without,
    WordBoundary,
    suppressed,
)

PARTICLES = frozenset("啊呀吧呢哦嘛啦了哈")


def rule(**fields):
    base = {"boundary": False, "allow": (), "without": (), "with_all": (), "alone": False, "max_clause": None}
    return SimpleNamespace(**(base | fields))


def candidate(text: str, phrase: str, kind: str = "banned", words=None, **rule_fields) -> Candidate:
    norm = normalize(text)
    start = norm.text.index(phrase)
    layout = Layout(norm)
    inside = (lambda *_: words) if words is not None else (lambda *_: None)
    return Candidate(kind, rule(**rule_fields), start, start + len(phrase), layout, PARTICLES, inside)


def test_rule_quoted_words_are_the_customers_and_polite_ones_too():
    assert Quoted().check(candidate("您说“我们不管”是谁说的？", "我们不管")) == ("quoted", "")
    assert Quoted().check(candidate("我们不管。", "我们不管")) is None
    assert Quoted().applies(candidate("“谢谢”", "谢谢", kind="group"))


def test_rule_word_boundary_only_when_the_rule_asks_and_a_word_is_cut():
    assert WordBoundary().check(candidate("喂养宠物", "喂", words="喂养", boundary=True)) == ("word_boundary", "喂养")
    assert WordBoundary().check(candidate("喂养宠物", "喂", words="喂养", boundary=False)) is None
    assert WordBoundary().check(candidate("喂，你好", "喂", words="喂养", boundary=True)) is None  # at clause edges


def test_rule_an_allowed_context_must_cover_the_whole_candidate():
    allow = (compile_context("请…等一下", 8),)
    assert AllowedContext().check(candidate("请您稍微等一下", "等一下", allow=allow))[0] == "allowed_context"
    # the context covers only part of the candidate ("等一下子" is longer than "等一下…"): not allowed
    partial = (compile_context("请…等一", 8),)
    assert AllowedContext().check(candidate("请您稍微等一下", "等一下", allow=partial)) is None
    assert AllowedContext().check(candidate("等一下", "等一下", allow=allow)) is None


def test_rule_without_lifts_and_with_all_requires_companions_in_the_same_sentence():
    assert Without().check(candidate("他不在，您要留言吗？", "不在", without=("留言",))) == ("lifted_by", "留言")
    assert Without().check(candidate("他不在。您要留言吗？", "不在", without=("留言",))) is None
    assert WithAll().check(candidate("没时间", "没时间", with_all=("您",))) == ("without_companion", "您")
    assert WithAll().check(candidate("您没时间", "没时间", with_all=("您",))) is None


def test_rule_alone_strips_particles_at_the_clause_edges_only():
    assert Alone().check(candidate("哪里呀？", "哪里", alone=True)) is None  # "哪里" alone once the particle is off
    assert Alone().check(candidate("您家哪里漏水？", "哪里", alone=True))[0] == "not_alone"
    assert Alone().check(candidate("哪里", "哪里", alone=False)) is None


@pytest.mark.parametrize("text, limit, suppressed_", [("他不在。", 3, False), ("他不在。", 2, True),
                                                      ("不在保修范围内", 3, True), ("他不在啊。", 3, False)])
def test_rule_max_clause_counts_exactly_up_to_the_limit(text, limit, suppressed_):
    found = MaxClause().check(candidate(text, "不在", max_clause=limit))
    assert (found is not None) is suppressed_


def test_rule_the_first_suppressor_that_applies_names_the_reason():
    both = candidate("您说“哪里呀”？", "哪里", alone=True)
    assert suppressed(both) == ("quoted", "")
    assert [type(s).__name__ for s in SUPPRESSORS] == ["Quoted", "WordBoundary", "AllowedContext", "Without",
                                                        "WithAll", "Alone", "MaxClause"]
    assert suppressed(candidate("我们不管。", "我们不管")) is None
