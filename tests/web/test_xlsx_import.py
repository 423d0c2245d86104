"""The Excel question template on /admin/questions and `trainer questions import-xlsx / export-xlsx`: download,
upload (all or nothing, errors by row, never a 500), export by category, admins only, CSRF required."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.conftest import csrf_from, login
from tests.unit.test_xlsx_bank import _workbook
from trainer.assessment.models import BankQuestion, QuestionCategory
from trainer.content.xlsx_bank import EXAMPLE_MARK, GUIDE_SHEET, SHEET, XLSX_MIME, read_workbook
from trainer.extensions import db
from trainer.review.models import AuditRecord


def _imported() -> dict[str, BankQuestion]:
    rows = db.session.scalars(select(BankQuestion).where(BankQuestion.source_path.startswith("xlsx:")))
    return {row.id: row for row in rows}


def _categories() -> dict[str, str]:
    return {c.id: c.name for c in db.session.scalars(select(QuestionCategory))}


def _filled_template(client) -> bytes:
    """The site's template with its examples turned into real rows (the mark taken off their stems)."""
    response = client.get("/admin/questions/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    for row in book[SHEET].iter_rows(min_row=2):
        row[1].value = row[1].value.removeprefix(EXAMPLE_MARK)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = {"题型": "单选题", "题干": "导入测试: 业主来电报修时首先做什么？", "选项A": "直接派单",
        "选项B": "问清房号和问题", "答案": "B", "难度": 2, "分类": "电话接听规范", "能力指标": "product_knowledge",
        "解析": "先问清楚。"}


def _upload(client, data: bytes, name: str = "bank.xlsx", token: bool = True):
    form = {"xlsx-file": (io.BytesIO(data), name)}
    if token:
        form["xlsx-csrf_token"] = csrf_from(client, "/admin/questions")
    return client.post("/admin/questions", data=form, content_type="multipart/form-data")


def test_admin_downloads_the_template_with_this_sites_lists(signed_in):
    client, _ = signed_in("admin")
    page = client.get("/admin/questions").get_data(as_text=True)
    assert "Excel 模板导入与导出" in page and 'name="xlsx-file"' in page and "下载 Excel 模板" in page
    response = client.get("/admin/questions/template.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX_MIME
    assert response.headers["Content-Disposition"] == "attachment; filename=question-template.xlsx"
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [SHEET, GUIDE_SHEET]
    guide = {str(v) for row in book[GUIDE_SHEET].iter_rows(values_only=True) for v in row if v}
    assert set(_categories().values()) <= guide and "product_knowledge" in guide


def test_admin_uploads_a_workbook_and_reimporting_updates_it(signed_in, runner):
    client, admin = signed_in("admin")
    data = _filled_template(client)
    response = _upload(client, data, name="报修题.xlsx")
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    assert "导入完成：新增 10 道题，更新 0 道。" in text and "导入 10 道（新增 10，更新 0）" in text
    rows = _imported()
    assert len(rows) == 10 and {r.source_path for r in rows.values()} == {"xlsx:报修题.xlsx"}
    assert {r.type for r in rows.values()} == {"single", "multiple", "truefalse", "fill", "short", "reply", "essay",
                                               "matching", "numerical", "description"}
    numerical = rows["example-numerical"].question()
    assert [a.weight for a in numerical.numeric] == [100.0, 50.0] and numerical.stem.startswith("问题解决后")
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.target == "xlsx:报修题.xlsx")).one()
    assert record.actor_id == admin.id and record.after["imported"] == 10
    again = _upload(client, data, name="报修题.xlsx")
    assert "新增 0 道题，更新 10 道" in again.get_data(as_text=True)
    assert runner.invoke(args=["content", "sync"]).exit_code == 0
    assert len(_imported()) == 10 and not any(row.retired for row in _imported().values())


def test_one_bad_row_refuses_the_file_lists_every_row_and_stores_nothing(signed_in):
    client, _ = signed_in("admin")
    data = _workbook(GOOD, {**GOOD, "题干": "第二题", "答案": "E"}, {**GOOD, "题干": "第三题"},
                     {**GOOD, "题干": "第四题", "题型": "作文"})
    response = _upload(client, data)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "没有导入任何题目：文件里有 2 处问题" in text
    assert '答案 &#34;E&#34; 不在选项中' in text and "题型 “作文” 未知" in text
    assert '<td class="num">3</td>' in text and '<td class="num">5</td>' in text
    assert _imported() == {}


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"not a workbook at all", "bank.xlsx", "这不是 Excel (.xlsx) 文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "bank.xlsx", "旧版 Excel (.xls)"),
    (b"PK", "bank.xls", "只接受 .xlsx 文件"),
    (b"", "bank.xlsx", "这不是 Excel (.xlsx) 文件"),
    (b"", "", "请选择文件"),
])
def test_a_file_that_is_not_a_workbook_is_a_400_with_its_reason(signed_in, data, name, message):
    client, _ = signed_in("admin")
    response = _upload(client, data, name=name)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _imported() == {}


def test_too_many_questions_are_refused_whole(signed_in, app):
    client, _ = signed_in("admin")
    app.config["XLSX_MAX_QUESTIONS"] = 2
    rows = [{**GOOD, "题干": f"第 {i} 题: 业主来电报修时首先做什么？"} for i in range(3)]
    response = _upload(client, _workbook(*rows))
    assert response.status_code == 400 and "超过 2 道" in response.get_data(as_text=True)
    assert _imported() == {}


def test_an_upload_may_not_overwrite_the_yaml_bank(signed_in):
    client, _ = signed_in("admin")
    yaml_row = db.session.scalars(select(BankQuestion).where(BankQuestion.type == "single")).first()
    response = _upload(client, _workbook({**GOOD, "题目ID": yaml_row.id}, {**GOOD, "题干": yaml_row.stem + "  "}))
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"题目ID {yaml_row.id} 已是题库文件" in text and f"题干与题库中的题目 {yaml_row.id} 相同" in text
    assert db.session.get(BankQuestion, yaml_row.id).source_path.startswith("question_bank/")


def test_the_upload_needs_its_csrf_token(signed_in):
    client, _ = signed_in("admin")
    response = _upload(client, _workbook(GOOD), token=False)
    assert response.status_code == 400
    assert _imported() == {}


def test_the_gift_form_still_works_beside_it(signed_in):
    client, _ = signed_in("admin")
    token = csrf_from(client, "/admin/questions")
    response = client.post("/admin/questions", data={
        "csrf_token": token, "category": "imported", "indicators": ["product_knowledge"], "difficulty": "2",
        "file": (io.BytesIO("::g1:: 接电话要先报工号吗？ {T}".encode()), "a.gift")}, content_type="multipart/form-data")
    assert response.status_code == 200 and "导入 1 道题" in response.get_data(as_text=True)


def test_admin_exports_a_category_in_the_template(signed_in):
    client, _ = signed_in("admin")
    response = client.get("/admin/questions/export.xlsx?category=phone")
    assert response.status_code == 200 and response.mimetype == XLSX_MIME
    assert "question-bank-phone.xlsx" in response.headers["Content-Disposition"]
    questions, errors = read_workbook(response.data, categories=_categories(), indicators=None, scripts=None)
    stored = db.session.scalars(select(BankQuestion).where(BankQuestion.category_id == "phone",
                                                           BankQuestion.retired.is_(False))).all()
    assert errors == [] and len(questions) == len(stored) > 0
    by_id = {row.id: row.question() for row in stored}
    assert all(q.category == "phone" and q.stem == by_id[q.id].stem for q in questions)
    everything = client.get("/admin/questions/export.xlsx")
    assert everything.status_code == 200 and "question-bank.xlsx" in everything.headers["Content-Disposition"]
    assert client.get("/admin/questions/export.xlsx?category=nope").status_code == 404


def test_only_admins_reach_the_excel_routes(app, make_user):
    data = _workbook(GOOD)
    for role in ("trainee", "supervisor", "hr"):
        client = app.test_client()
        assert login(client, make_user(role).username).status_code == 302
        assert client.get("/admin/questions/template.xlsx").status_code == 403
        assert client.get("/admin/questions/export.xlsx?category=phone").status_code == 403
        token = csrf_from(client, "/account")
        response = client.post("/admin/questions", data={"xlsx-csrf_token": token,
                                                         "xlsx-file": (io.BytesIO(data), "a.xlsx")},
                               content_type="multipart/form-data")
        assert response.status_code == 403
    assert _imported() == {}


def test_cli_imports_and_exports_workbooks(app, runner, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(_workbook(GOOD, {**GOOD, "题干": "导入测试: 第二题", "题目ID": "cli-2"}))
    result = runner.invoke(args=["questions", "import-xlsx", str(good)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "imported 2, updated 0"
    assert _imported()["cli-2"].source_path == "xlsx:good.xlsx"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_workbook({**GOOD, "题干": "另一题", "答案": "Z"}))
    result = runner.invoke(args=["questions", "import-xlsx", str(bad)])
    assert result.exit_code == 1 and f'{bad}: 工作表 题目 第 2 行: 答案 "Z" 不在选项中' in result.output
    assert "nothing was stored" in result.output
    assert runner.invoke(args=["questions", "import-xlsx", str(tmp_path / "missing.xlsx")]).exit_code == 1
    out = tmp_path / "phone.xlsx"
    result = runner.invoke(args=["questions", "export-xlsx", "--category", "phone", str(out)])
    assert result.exit_code == 0, result.output
    questions, errors = read_workbook(out.read_bytes(), categories=_categories(), indicators=None, scripts=None)
    phone = db.session.scalar(select(func.count()).select_from(BankQuestion).where(
        BankQuestion.category_id == "phone", BankQuestion.retired.is_(False)))
    assert errors == [] and len(questions) == phone
    assert runner.invoke(args=["questions", "export-xlsx", "--category", "nope", str(out)]).exit_code == 2
