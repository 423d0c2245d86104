"""Two questions with the same stem under two ids are refused, at `path:line` of the second one.

Stems are compared after NFKC, the scorer's fold (Traditional → Simplified, full-width → half-width, no
spaces) and dropping punctuation, so a copy does not slip through by being re-typed in another script.
"""

from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import content_with_fixtures, repository_content
from trainer.content import load_content
from trainer.content.questions import stem_key

FIXTURE_FILE = "question_bank/questions/zz-fixture.yaml"
LATER_FILE = "question_bank/questions/zzz-dup.yaml"  # sorts after zz-fixture.yaml, so it is the second one
MARK = "的题干与"


def _question(ident: str, stem: str) -> str:
    # a true/false question: its stem needs no ____ blank, so any spelling of the fill-in stem loads
    return (
        f"  - id: {ident}\n    type: truefalse\n    difficulty: 2\n    indicators: [self_management]\n"
        f"    source: 测试\n    stem: \"{stem}\"\n    answer: false\n    explanation: 10 分钟内派单。\n"
    )


def _line(root: Path, rel: str, needle: str) -> int:
    text = (root / rel).read_text(encoding="utf-8")
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def _stem_errors(root: Path) -> list[str]:
    # Other content problems (files being written next to this test) are not this test's business.
    return [str(e) for e in load_content(root).errors if MARK in e.message]


@pytest.fixture
def root(tmp_path) -> Path:
    return content_with_fixtures(tmp_path)


def test_fixture_bank_has_no_duplicate_stems(root):
    assert _stem_errors(root) == []


@pytest.mark.parametrize("stem", [
    "报修后应在 ____ 分钟内派单。",  # the very same
    "報修後應在 ____ 分鐘內派單。",  # Traditional
    "报修后应在＿＿＿＿分钟内派单！",  # full-width blank and punctuation
    "报 修 后　应在____分钟 内派单",  # ASCII and ideographic spaces, no full stop
    "「報修後」應在____分鐘內派單？",  # Traditional quotes and another mark
])
def test_same_stem_in_a_later_file_is_refused_there(root, stem):
    (root / LATER_FILE).write_text("category: fixture\nquestions:\n" + _question("dup-fill", stem), encoding="utf-8")
    first = _line(root, FIXTURE_FILE, "- id: fx-fill")
    second = _line(root, LATER_FILE, "- id: dup-fill")
    assert _stem_errors(root) == [
        f"{LATER_FILE}:{second}: 题目 'dup-fill' 的题干与 'fx-fill' 相同 "
        f"(首次出现在 {FIXTURE_FILE}:{first}); 请合并为一道题"
    ]


def test_same_stem_in_the_same_file_is_refused_on_the_second(root):
    path = root / FIXTURE_FILE
    path.write_text(path.read_text(encoding="utf-8") + _question("fx-fill-again", "報修後應在____分鐘內派單"),
                    encoding="utf-8")
    second = _line(root, FIXTURE_FILE, "- id: fx-fill-again")
    errors = _stem_errors(root)
    assert len(errors) == 1
    assert errors[0].startswith(f"{FIXTURE_FILE}:{second}: 题目 'fx-fill-again' 的题干与 'fx-fill'")


def test_a_different_stem_is_not_refused(root):
    (root / LATER_FILE).write_text(
        "category: fixture\nquestions:\n" + _question("dup-fill", "报修后应在 ____ 小时内派单。"), encoding="utf-8"
    )
    assert _stem_errors(root) == []


def test_a_duplicated_id_is_reported_as_such_not_again_as_a_stem(root):
    """A copied file repeats ids and stems; the id error says it all, the stem check does not pile on."""
    (root / LATER_FILE).write_text((root / FIXTURE_FILE).read_text(encoding="utf-8"), encoding="utf-8")
    errors = [str(e) for e in load_content(root).errors if "zz" in e.path]
    assert errors and all("重复 (首次出现在" in e for e in errors)
    assert not any(MARK in e for e in errors)


def test_stem_key_folds_script_width_spacing_and_punctuation():
    traditional = stem_key("下列哪些屬於客戶投訴有效處理的「六大原則」？")
    assert traditional == stem_key("下列哪些属于客户投诉有效处理的六大原则?")
    assert stem_key("ＡＢＣ　１２３ 值班____分钟") == "abc123值班分钟"
    assert stem_key("，。？！____") == ""


def test_shipped_bank_has_no_duplicate_stems():
    content = repository_content()
    assert not [str(e) for e in content.errors if MARK in e.message]
    by_key: dict[str, list[str]] = defaultdict(list)
    for question in content.questions.values():
        by_key[stem_key(question.stem)].append(f"{question.id} ({question.path}:{question.line})")
    assert not {key: ids for key, ids in by_key.items() if len(ids) > 1}
