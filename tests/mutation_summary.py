"""The closing line of `make mutate`: `mutation: K killed of N (P %)`, from `mutmut export-cicd-stats`.

Counted as mutmut's own mutation score counts (its `badge` command): K is the mutants a test failed on
(`killed`) plus those whose tests ran out of time (`timeout`: the mutant made them hang), N is every mutant
but those skipped by mutmut. Not killed: survivors, mutants that no selected test reaches ("no tests"),
suspicious runs, segfaults and mutants not checked yet. The line before the last one gives those counts.

Before them it names every survivor that tests/MUTANTS.md does not list as equivalent: each of those still
needs a test (or a reason), so a run is finished only when that list is empty.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

OTHERS = ("killed", "timeout", "survived", "no_tests", "suspicious", "segfault", "skipped",
          "check_was_interrupted_by_user")


def summary(stats: dict[str, int]) -> tuple[str, str]:
    """(the line of the other counts, the closing line) for mutmut's CI/CD stats."""
    killed = int(stats.get("killed", 0)) + int(stats.get("timeout", 0))
    total = int(stats.get("total", 0)) - int(stats.get("skipped", 0))
    others = ", ".join(f"{name.replace('_', ' ')} {int(stats.get(name, 0))}" for name in OTHERS)
    percent = 100.0 * killed / total if total else 0.0
    return f"mutmut: {others}", f"mutation: {killed} killed of {total} ({percent:.1f} %)"


#: a row of the equivalents table: | module | `name` 1, 2–4 (what it does); `other` 5 | why |
_ROW = re.compile(r"^\|\s*([\w.]+)\s*\|(.*?)\|[^|]*\|\s*$")
_NAMED = re.compile(r"`([^`\s]+)`((?:[\s,]*\d+(?:\s*[–-]\s*\d+)?)+)")


def listed(markdown: str) -> set[str]:
    """The mutants the equivalents table of MUTANTS.md names, as mutmut keys (trainer.<module>.<name>__mutmut_N).

    Only the "## Equivalent mutants" section counts (a file without that heading is read whole). A row names
    its module in the first column and, in the second, function names in backticks each followed by mutant
    numbers or ranges ("`x__sentence` 4, 6, 16–18"); anything in parentheses is a description.
    """
    keys = set()
    section = markdown.split("## Equivalent mutants", 1)[-1].split("\n## ", 1)[0]  # not the open ones after it
    for line in section.splitlines():
        row = _ROW.match(line)
        if row is None or row.group(1) in ("module", "---"):
            continue
        module, names = row.groups()
        while (plain := re.sub(r"\([^()]*\)", " ", names)) != names:  # descriptions may nest: zip(strict=…)
            names = plain
        for name, numbers in _NAMED.findall(names):
            for low, high in re.findall(r"(\d+)(?:\s*[–-]\s*(\d+))?", numbers):
                keys.update(f"trainer.{module}.{name}__mutmut_{n}" for n in range(int(low), int(high or low) + 1))
    return keys


def survivors(mutants: Path) -> list[str]:
    """Every mutant mutmut recorded as survived (exit code 0), from its per-file results under mutants/."""
    found = []
    for meta in sorted(mutants.rglob("*.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
        found += [key for key, code in codes.items() if code == 0]
    return found


def unlisted(found: Iterable[str], markdown: str) -> list[str]:
    """The survivors the equivalents table does not explain."""
    known = listed(markdown)
    return [key for key in found if key not in known]


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "mutants/mutmut-cicd-stats.json")
    if not path.is_file():
        print(f"no mutation results at {path}: run `mutmut run` first", file=sys.stderr)
        return 1
    notes = Path(__file__).with_name("MUTANTS.md")
    left = unlisted(survivors(path.parent), notes.read_text(encoding="utf-8") if notes.is_file() else "")
    print(f"survivors not listed as equivalent in tests/MUTANTS.md: {len(left)}")
    for key in left:
        print(f"    {key}")
    for line in summary(json.loads(path.read_text(encoding="utf-8"))):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
