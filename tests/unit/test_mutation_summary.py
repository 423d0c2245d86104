"""`make mutate`'s report (tests/mutation_summary.py): its score line and the survivors MUTANTS.md does not explain."""

import json

from tests import mutation_summary as report

TABLE = """\
| module | mutants | why no test can tell them apart |
| --- | --- | --- |
| scoring.facts | `x__sentence` 4, 6, 16–18 (`max(…, default=…)`) | the generator always yields five values |
| content.gift | `x__choice_lines` zip mutants (`strict=` dropped or False) | weights come from options |
| competency.delphi | `x_item_stats` 9; `x_summarise_round` 32 (`zip(strict=…)` dropped) | rows are rectangular |
| scoring.matcher | `xǁLayoutǁ__init__` 35 (`if "“" in text or True`) | no opening mark, no spans |
"""


def test_rule_a_row_names_each_function_with_its_numbers_and_ranges_and_skips_descriptions():
    assert report.listed(TABLE) == {
        *(f"trainer.scoring.facts.x__sentence__mutmut_{n}" for n in (4, 6, 16, 17, 18)),
        "trainer.competency.delphi.x_item_stats__mutmut_9",
        "trainer.competency.delphi.x_summarise_round__mutmut_32",
        "trainer.scoring.matcher.xǁLayoutǁ__init____mutmut_35",
    }


def test_rule_only_the_equivalents_section_counts_as_explained():
    markdown = f"# Surviving mutants\n\n## Equivalent mutants\n\n{TABLE}\n## Not killed: waiting on a fix\n\n" + (
        "| module | mutants | why |\n| --- | --- | --- |\n| scoring.rules | `x_compile_pattern` 25–31 | a bug |\n")
    assert report.listed(markdown) == report.listed(TABLE)


def test_rule_every_survivor_the_table_does_not_name_is_reported_in_mutmut_order(tmp_path):
    meta = tmp_path / "trainer" / "scoring" / "facts.py.meta"
    meta.parent.mkdir(parents=True)
    codes = {"trainer.scoring.facts.x__sentence__mutmut_4": 0, "trainer.scoring.facts.x__sentence__mutmut_5": 0,
             "trainer.scoring.facts.x__sentence__mutmut_6": 1, "trainer.scoring.facts.x__sentence__mutmut_7": None}
    meta.write_text(json.dumps({"exit_code_by_key": codes}), encoding="utf-8")
    found = report.survivors(tmp_path)
    assert found == ["trainer.scoring.facts.x__sentence__mutmut_4", "trainer.scoring.facts.x__sentence__mutmut_5"]
    assert report.unlisted(found, TABLE) == ["trainer.scoring.facts.x__sentence__mutmut_5"]


def test_rule_the_score_counts_timeouts_as_killed_and_leaves_skipped_mutants_out():
    stats = {"killed": 80, "timeout": 5, "survived": 10, "skipped": 5, "total": 105}
    others, score = report.summary(stats)
    assert score == "mutation: 85 killed of 100 (85.0 %)"
    assert others.startswith("mutmut: killed 80, timeout 5, survived 10,")
