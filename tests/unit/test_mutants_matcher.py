"""Rules of trainer.scoring.matcher that mutation testing found unguarded (see tests/MUTANTS.md).

`_drop_overlaps` is the reference that benchmarks/scoring.py measures the matcher's inlined pass against.
"""

import pytest

from trainer.scoring.matcher import COUNTED, Hit, Matcher, _drop_overlaps, _quote_spans
from trainer.scoring.scorer import score


class Rule:
    """Any object stands for a rule: hits are grouped by the rule's identity."""


def test_rule_of_overlapping_counted_hits_of_one_rule_the_first_is_kept():
    a, b, c = Rule(), Rule(), Rule()
    hits = [
        Hit("banned", a, 0, 4),  # 没有办法
        Hit("banned", a, 2, 4),  # 办法, inside the first: dropped
        Hit("banned", b, 2, 4),  # another rule may overlap
        Hit("banned", a, 4, 6),  # touching is not overlapping
        Hit("banned", a, 5, 7),  # overlaps the one before
        Hit("banned", a, 0, 4, "allowed", "您没有办法"),  # not counted: always kept
        Hit("banned", a, 9, 11),
        Hit("group", c, 4, 6),
        Hit("group", c, 2, 4),  # ends where the other starts: kept
    ]
    assert _drop_overlaps(hits) == [hits[0], hits[2], hits[3], hits[5], hits[6], hits[7], hits[8]]
    assert hits[0].status == COUNTED


@pytest.mark.parametrize(
    ("text", "sentences", "spans"),
    [
        ("他说“我们不管”，然后“没办法”。", [(0, 16)], [(3, 7), (12, 15)]),  # every pair
        ("“a”“b”", [(0, 6)], [(1, 2), (4, 5)]),  # a quote at the very start, one right after another
        ("“”好", [(0, 3)], [(1, 1)]),  # an empty pair
        ("”“a”", [(0, 4)], [(2, 3)]),  # a stray closing mark before the opening one is not its end
        ("“我们不管.好的", [(0, 5), (5, 8)], [(1, 5)]),  # unclosed: to the end of its sentence
        ("好的.“我们不管.好的", [(0, 3), (3, 9), (9, 11)], [(4, 9)]),
        ("好“", [(0, 2)], [(2, 2)]),
    ],
)
def test_rule_quoted_spans_are_inside_each_pair_and_an_unclosed_quote_ends_with_its_sentence(text, sentences, spans):
    assert _quote_spans(text, sentences) == spans


TEXTS = [
    "您好，请问有什么可以帮您？",
    "喂，这事我们不管，没办法。",
    "非常抱歉给您添麻烦了，请您放心，我们马上处理，谢谢您。",
    "有本事你去告！",
    "麻烦您稍等一下，我帮您查一下，您说“我们不管”是谁说的？",
]


@pytest.mark.parametrize("text", TEXTS)
def test_rule_a_freshly_built_matcher_scores_as_the_cached_one(rules, text):
    fresh = Matcher(rules)
    for script in ("any", "complaint", "phone_opening"):
        assert score(text, script, rules, matcher=fresh) == score(text, script, rules)
    assert fresh.rules is rules


def test_rule_a_report_is_sent_with_these_keys(rules):
    report = score("您说“我们不管”是谁说的？", "complaint", rules).to_dict(5)
    assert (report["id"], report["critical"], report["missing"]) == (5, False, ["apology", "reassurance", "thanks"])
    assert report["missing_detail"][0] == {"group": "apology", "reason": "absent", "where": "anywhere"}
    assert [(q["phrase"], q["start"], q["end"]) for q in report["quoted"]] == [("我们不管", 3, 7)]
    assert score("有本事你去告！", "complaint", rules).to_dict()["critical"] is True
