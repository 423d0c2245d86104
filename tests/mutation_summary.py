"""The closing line of `make mutate`: `mutation: K killed of N (P %)`, from `mutmut export-cicd-stats`.

Counted as mutmut's own mutation score counts (its `badge` command): K is the mutants a test failed on
(`killed`) plus those whose tests ran out of time (`timeout`: the mutant made them hang), N is every mutant
but those skipped by mutmut. Not killed: survivors, mutants that no selected test reaches ("no tests"),
suspicious runs, segfaults and mutants not checked yet. The line before the last one gives those counts.
"""

from __future__ import annotations

import json
import sys
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


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "mutants/mutmut-cicd-stats.json")
    if not path.is_file():
        print(f"no mutation results at {path}: run `mutmut run` first", file=sys.stderr)
        return 1
    for line in summary(json.loads(path.read_text(encoding="utf-8"))):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
