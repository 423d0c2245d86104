"""No passage of 30+ Chinese characters in courses/ or question_bank/ repeats a reference document word for word.

The reference documents and the scanner live beside the repository (../shared/reference/*.txt and
../shared/tools/copy_scan.py); without them the test is skipped. The scanner is run as it is, with its
own command line, on a copy of the references from which the inline pinyin readings — `物業(yè)客服` in
references 002 and 003 — are removed: left in, they split every sentence of those two documents into
runs of a few characters, and a sentence copied from them would never show up.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SHARED = ROOT.parent / "shared"
REFERENCE = Path(os.environ.get("TRAINER_REFERENCE_DIR", SHARED / "reference"))
SCANNER = SHARED / "tools" / "copy_scan.py"
LIMIT = 30  # Chinese characters; shorter shared runs are reported by the tool but judged by the editor
PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňḿ]+\)")
RUN = re.compile(r"^(?P<where>.+?:\d+): (?P<chars>\d+) chars: (?P<text>.*)$")


def _references_without_pinyin(target: Path) -> Path:
    for path in sorted(REFERENCE.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        (target / path.name).write_text(PINYIN.sub("", text), encoding="utf-8")
    return target


def test_no_long_run_is_copied_from_the_references(tmp_path):
    if not REFERENCE.is_dir() or not any(REFERENCE.glob("*.txt")):
        pytest.skip(f"reference documents not available: {REFERENCE}")
    if not SCANNER.is_file():
        pytest.skip(f"copy scanner not available: {SCANNER}")
    reference = _references_without_pinyin(tmp_path)
    done = subprocess.run(
        [sys.executable, str(SCANNER), "--min", str(LIMIT), "--project", str(ROOT), "--reference", str(reference)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr or done.stdout
    lines = done.stdout.splitlines()
    assert lines and "runs of" in lines[-1], done.stdout  # the tool's summary line: it did scan
    runs = [line for line in lines if RUN.match(line) and int(RUN.match(line)["chars"]) >= LIMIT]
    assert not runs, (
        f"{len(runs)} passage(s) of {LIMIT}+ Chinese characters copied word for word from the references; "
        "rewrite them in your own words:\n" + "\n".join(runs)
    )
