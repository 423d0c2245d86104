"""Rules of trainer.scoring.suppressors and matcher.Layout that mutation testing found unguarded.

See tests/MUTANTS.md.
"""

from dataclasses import replace
from types import SimpleNamespace

import pytest

from trainer.scoring.matcher import Layout
from trainer.scoring.normalize import normalize
from trainer.scoring.suppressors import (
    AllowedContext,
    Alone,
    Candidate,
    MaxClause,
    Quoted,
    WithAll,
    Without,
    WordBoundary,
    _clause,
    applicable,
)

PARTICLES = frozenset("啊呀吧呢哦嘛啦了哈")


def candidate(text, phrase):
    norm = normalize(text)
    start = norm.text.index(phrase)
    return Candidate("banned", SimpleNamespace(), start, start + len(phrase), Layout(norm), PARTICLES,
                     lambda *_: None)


@pytest.mark.parametrize(
    ("text", "phrase", "clause"),
    [
        ("哪里呀?", "哪里", "哪里"),  # particles at the clause's edge are not part of it
        ("呀哪里?", "哪里", "哪里"),
        ("啊呀哪里呀啊", "哪里", "哪里"),
        ("呀啊?", "呀啊", "呀啊"),  # but the candidate's own characters are
        ("好了", "好了", "好了"),
    ],
)
def test_rule_a_candidates_clause_is_trimmed_of_particles_only_outside_the_candidate(text, phrase, clause):
    assert _clause(candidate(text, phrase))[2] == clause


@pytest.mark.parametrize(
    ("text", "word", "span"),
    [
        ("您好 请问 房号,谢谢", "您好", (0, 2)),  # a removed space ends a clause
        ("您好 请问 房号,谢谢", "请问", (2, 4)),
        ("您好 请问 房号,谢谢", "房号", (4, 6)),
        ("您好 请问 房号,谢谢", "谢谢", (7, 9)),
        ("您好 请问 房号,谢谢", "好请", (0, 4)),  # a span across a removed space keeps both sides
        ("好,请问您 贵姓", "好", (0, 1)),  # punctuation ends a clause
        ("好,请问您 贵姓", "请问", (2, 5)),
        ("好,请问您 贵姓", "贵姓", (5, 7)),
    ],
)
def test_rule_a_clause_ends_at_punctuation_or_a_removed_space(text, word, span):
    norm = normalize(text)
    start = norm.text.index(word)
    assert Layout(norm).clause(start, start + len(word)) == span


def chain(kind, rule):
    return [type(s) for s in applicable(kind, rule)]


def test_rule_only_the_suppressors_a_banned_phrase_has_settings_for_are_asked(rules):
    banned = {b.phrase: b for b in rules.banned}
    # 不在: max_clause 5, an allowed context, companions that lift it, word boundaries
    assert chain("banned", banned["不在"]) == [Quoted, WordBoundary, AllowedContext, Without, MaxClause]
    assert chain("banned", banned["哪里"]) == [Quoted, WordBoundary, Alone]  # alone: true
    assert chain("banned", banned["喂"]) == [Quoted, WordBoundary]
    plain = banned["没看到我在忙"]
    assert (plain.boundary, plain.allow, plain.with_all, plain.max_clause) == (False, (), (), None)
    assert chain("banned", plain) == [Quoted]  # a pattern: no boundary check, and nothing else
    assert chain("banned", replace(plain, with_all=("您",))) == [Quoted, WithAll]
    assert chain("banned", replace(plain, max_clause=0)) == [Quoted, MaxClause]  # a limit of 0 is a limit


def test_rule_a_polite_phrase_is_only_ever_suppressed_by_quotation(rules):
    assert chain("group", rules.groups["greeting"]) == [Quoted]
    assert chain("group", rules.groups["thanks"]) == [Quoted]
