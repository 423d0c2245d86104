"""Moodle GIFT in and out: `trainer questions import/export` and the admin upload page, with the bad input the
issue lists (syntax errors, broken questions among good ones, non-UTF-8, an oversized upload)."""

import io
from dataclasses import replace

from sqlalchemy import func, select

from tests.conftest import ROOT, csrf_from, login
from trainer.assessment.models import BankQuestion
from trainer.content.gift import META, parse_gift, to_gift
from trainer.content.questions import NumericAnswer, Pair
from trainer.extensions import db

SAMPLE = ROOT / "question_bank" / "gift" / "sample.gift"


def _imported() -> dict[str, BankQuestion]:
    rows = db.session.scalars(select(BankQuestion).where(BankQuestion.source_path.startswith("gift:")))
    return {row.id: row for row in rows}


def test_cli_import_reports_skips_by_line_and_a_summary(app, runner):
    result = runner.invoke(args=["questions", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "imported 12, skipped 2"
    assert any(":65: skipped:" in line and "配对题" in line for line in lines)
    assert any(":69: skipped:" in line and "误差 -1 不能小于 0" in line for line in lines)
    rows = _imported()
    assert set(rows) >= {"gift-phone-rings", "gift-repair-taboos", "gift-repair-dispatch"}
    assert rows["gift-phone-rings"].category_id == "phone"  # $CATEGORY matched by its Chinese name
    assert rows["gift-repair-dispatch"].category_id == "repair"
    rings = rows["gift-phone-rings"].question()
    assert [o.weight for o in rings.options] == [100, 0, 50]  # partial credit kept
    assert rows["gift-repair-html"].stem == "业主报修时，必须记录的信息是？"
    # the new types are stored with their own fields
    assert {rows[i].type for i in ("gift-phone-intro", "gift-phone-essay", "gift-phone-courtesy")} == {
        "description", "essay", "matching"}
    intro = rows["gift-phone-intro"].question()
    assert (intro.difficulty, intro.indicators, intro.explanation) == (1, (), "")
    assert rows["gift-phone-courtesy"].question().pairs[-1] == Pair("", "您自己看着办吧")
    callback = rows["gift-repair-callback"].question()
    assert callback.type == "numerical" and callback.numeric[1] == NumericAnswer(
        low=12, high=48, weight=50, feedback="方向对了，但规范是 24 小时。")
    assert callback.wrong_feedback == "请回顾报修工单的回访时限。"
    assert rows["gift-repair-area"].question().numeric == (NumericAnswer(1.5, 0.1),)
    assert rows["gift-repair-urgent"].question().answers == ("紧急",)
    again = runner.invoke(args=["questions", "import", str(SAMPLE)])  # re-import updates in place
    assert again.stdout.strip().splitlines()[-1] == "imported 12, skipped 2"
    assert len(_imported()) == 12


def test_imported_questions_survive_a_content_sync(app, runner):
    runner.invoke(args=["questions", "import", str(SAMPLE)])
    assert runner.invoke(args=["content", "sync"]).exit_code == 0
    assert not any(row.retired for row in _imported().values())


def test_cli_import_refuses_unreadable_files(app, runner, tmp_path):
    broken = tmp_path / "broken.gift"
    broken.write_text("::a:: 缺右括号 {=对 ~错\n", encoding="utf-8")
    result = runner.invoke(args=["questions", "import", str(broken)])
    assert result.exit_code == 1 and "broken.gift:1:" in result.output
    latin = tmp_path / "latin.gift"
    latin.write_bytes("::a:: 题 {T}".encode("gb18030"))
    result = runner.invoke(args=["questions", "import", str(latin)])
    assert result.exit_code == 1 and "not UTF-8" in result.output
    result = runner.invoke(args=["questions", "import", str(tmp_path / "missing.gift")])
    assert result.exit_code == 1 and "cannot read" in result.output
    assert _imported() == {}


def test_cli_import_checks_its_options(app, runner):
    assert runner.invoke(args=["questions", "import", str(SAMPLE), "--category", "nope"]).exit_code == 2
    assert runner.invoke(args=["questions", "import", str(SAMPLE), "--indicators", "nope"]).exit_code == 2
    assert _imported() == {}


def test_cli_export_writes_the_bank_as_gift(app, runner, tmp_path):
    out = tmp_path / "bank.gift"
    assert runner.invoke(args=["questions", "export", "--category", "phone", "-o", str(out)]).exit_code == 0
    parsed = parse_gift(out.read_text(encoding="utf-8"))
    phone = db.session.scalar(select(func.count()).select_from(BankQuestion).where(
        BankQuestion.category_id == "phone", BankQuestion.retired.is_(False)))
    assert len(parsed.items) == phone > 0 and parsed.skipped == []  # every type, key-point ones as essays
    assert all(item.category.endswith("电话接听规范") for item in parsed.items)


def _upload(client, data: bytes, name: str = "bank.gift", **fields):
    token = csrf_from(client, "/admin/questions")
    form = {"csrf_token": token, "category": "imported", "indicators": ["product_knowledge"], "difficulty": "2",
            **fields, "file": (io.BytesIO(data), name)}
    return client.post("/admin/questions", data=form, content_type="multipart/form-data")


def test_admin_uploads_a_gift_file(signed_in):
    client, _ = signed_in("admin")
    page = client.get("/admin/questions").get_data(as_text=True)
    assert "导入 Moodle GIFT" in page and "各分类题量" in page
    response = _upload(client, SAMPLE.read_bytes())
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "导入 12 道题，跳过 2 道" in text
    assert "导入 12 道（新增 12，更新 0），跳过 2 道" in text
    assert "配对题" in text and "<td class=\"num\">65</td>" in text  # the skipped questions, by line
    assert "<td class=\"num\">69</td>" in text
    assert _imported()["gift-phone-rings"].question().difficulty == 2


def test_admin_upload_bad_input_is_refused_and_nothing_is_written(signed_in, app):
    client, _ = signed_in("admin")
    broken = _upload(client, "::a:: 缺右括号 {=对 ~错".encode())
    assert broken.status_code == 400 and "无法解析这个 GIFT 文件" in broken.get_data(as_text=True)
    gbk = _upload(client, "::a:: 题 {T}".encode("gb18030"))
    assert gbk.status_code == 400 and "不是 UTF-8 编码" in gbk.get_data(as_text=True)
    wrong_type = _upload(client, b"{T}", name="bank.docx")
    assert wrong_type.status_code == 400 and "只接受 .gift 或 .txt 文件" in wrong_type.get_data(as_text=True)
    huge = _upload(client, b"x" * (50 * 1024 * 1024))
    huge.request.environ["wsgi.input"].close()  # the test client's temporary file for the 50 MB body
    assert huge.status_code == 413 and "太大" in huge.get_data(as_text=True)
    no_indicator = _upload(client, SAMPLE.read_bytes(), indicators=[])
    assert no_indicator.status_code == 400 and "请至少选择一项能力指标" in no_indicator.get_data(as_text=True)
    assert _imported() == {}


def test_only_admins_reach_the_question_bank(app, make_user):
    for role in ("trainee", "supervisor", "hr"):
        client = app.test_client()
        assert login(client, make_user(role).username).status_code == 302
        assert client.get("/admin/questions").status_code == 403
        assert client.get("/admin/questions/export.gift").status_code == 403


def test_admin_exports_the_bank(signed_in):
    client, _ = signed_in("admin")
    response = client.get("/admin/questions/export.gift?category=etiquette")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    parsed = parse_gift(response.get_data(as_text=True))
    assert parsed.items and all(i.category.endswith("文明用语与服务忌语") for i in parsed.items)


def test_missing_csrf_is_refused(signed_in):
    client, _ = signed_in("admin")
    response = client.post("/admin/questions", data={"file": (io.BytesIO(SAMPLE.read_bytes()), "a.gift")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert _imported() == {}


def test_an_exported_bank_imports_back_with_its_own_fields(app, runner, tmp_path):
    """A @trainer line wins over the command's defaults: a file exported elsewhere gives the same questions."""
    assert runner.invoke(args=["content", "sync"]).exit_code == 0
    originals = [row.question() for row in db.session.scalars(
        select(BankQuestion).where(BankQuestion.category_id == "phone").order_by(BankQuestion.id).limit(6))]
    text = to_gift([replace(q, id=f"gift-copy-{q.id}") for q in originals], category_names={"phone": "电话接听规范"})
    assert META in text
    path = tmp_path / "copy.gift"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["questions", "import", str(path), "--category", "imported", "--difficulty", "1"])
    assert result.exit_code == 0 and result.stdout.strip().splitlines()[-1] == f"imported {len(originals)}, skipped 0"
    rows = _imported()
    for question in originals:
        copy = rows[f"gift-copy-{question.id}"].question()
        assert replace(copy, id=question.id, path=question.path, line=question.line) == question
        assert rows[copy.id].difficulty == question.difficulty and rows[copy.id].category_id == "phone"
