"""The practice page, the rule tester, `POST /api/v1/score` and `trainer score`."""

import json
import shutil

import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT, login, post_form
from trainer.accounts import services as accounts
from trainer.competency.models import Evidence
from trainer.content import load_content
from trainer.extensions import db
from trainer.practice.models import PracticeAttempt
from trainer.rules.models import PhraseRuleSet
from trainer.sync import sync_content


def _bearer(user) -> dict:
    return {"Authorization": f"Bearer {accounts.issue_api_token(user)}"}


def test_practice_scores_highlights_and_records_evidence(signed_in):
    client, me = signed_in("trainee")
    response = post_form(client, "/practice/", {
        "script": "complaint", "text": "对不起，这事我们不管，您打13812345678找开发商吧。",
    })
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<mark class="hl banned"' in page and "我们不管" in page
    assert '<mark class="hl polite"' in page
    assert 'id="score-value">' in page and "不合格" in page
    attempt = db.session.scalar(select(PracticeAttempt))
    assert "13812345678" not in attempt.text and "138****5678" in attempt.text
    assert attempt.report["banned"][0]["matched"] == "我们不管"
    assert attempt.text[attempt.report["banned"][0]["start"]:attempt.report["banned"][0]["end"]] == "我们不管"
    evidence = {e.indicator_id: e.value for e in db.session.scalars(select(Evidence).where(Evidence.agent_id == me.id))}
    assert evidence["understanding_needs"] == attempt.score
    assert evidence["solution_offering"] == 100 - 25  # 我们不管 counts against 提供适合产品或服务的能力


def test_practice_form_errors(signed_in):
    client, _ = signed_in("trainee")
    empty = post_form(client, "/practice/", {"script": "complaint", "text": ""})
    assert empty.status_code == 400 and "请先写下你的回复" in empty.get_data(as_text=True)
    long = post_form(client, "/practice/", {"script": "complaint", "text": "好" * 5001})
    assert long.status_code == 400 and "回复不能超过 5000 字" in long.get_data(as_text=True)
    unknown = post_form(client, "/practice/", {"script": "nope", "text": "您好"})
    assert unknown.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(PracticeAttempt)) == 0


def test_practice_result_visibility(app, make_user, make_team, signed_in):
    lead = make_user("supervisor")
    team = make_team("一组", [lead])
    owner, other = make_user("trainee", team=team), make_user("trainee")
    owner_client = app.test_client()
    login(owner_client, owner.username)
    url = post_form(owner_client, "/practice/", {"script": "any", "text": "您好"}).headers["Location"]
    other_client = app.test_client()
    login(other_client, other.username)
    assert other_client.get(url).status_code == 403
    lead_client = app.test_client()
    login(lead_client, lead.username)
    assert lead_client.get(url).status_code == 200


def test_rule_tester_explains_every_decision(signed_in):
    client, _ = signed_in("admin")
    response = post_form(client, "/admin/rules/", {
        "source": "active", "script": "any", "text": "喂养宠物的事,您说“跟我们没关系”,他不在。",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "只是某个词的一部分（「喂养」）" in page
    assert "在引号内，是客户的原话" in page
    assert '<span class="badge good">计入</span>' in page  # 他不在


def test_rule_tester_draft_shows_file_errors_and_keeps_rules_in_force(signed_in, app, tmp_path):
    client, _ = signed_in("admin")
    shutil.copytree(ROOT / "question_bank", tmp_path / "question_bank")
    banned = tmp_path / "question_bank" / "phrases" / "banned.yaml"
    text = banned.read_text(encoding="utf-8").replace("'有本事{within:12}告'", "'有本事({within:12}告'")
    banned.write_text(text, encoding="utf-8")
    app.config["CONTENT_ROOT"] = tmp_path
    page = post_form(client, "/admin/rules/", {"source": "draft", "script": "any", "text": "有本事你去告"},
                     page="/admin/rules/").get_data(as_text=True)
    assert "question_bank/phrases/banned.yaml:" in page and "正则表达式无效" in page
    assert "磁盘上的规则文件有错误" in page


def test_rule_tester_is_admin_only(signed_in):
    client, _ = signed_in("supervisor")
    assert client.get("/admin/rules/").status_code == 403


def test_api_score_returns_the_same_report_as_the_cli(app, make_user, client, runner, tmp_path):
    user = make_user("trainee")
    body = {"id": "t1", "text": "您好，這事我們不管。", "script": "complaint"}
    api = client.post("/api/v1/score", json=body, headers=_bearer(user))
    assert api.status_code == 200
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")
    cli = runner.invoke(args=["score", str(source)])
    assert cli.exit_code == 0
    assert json.loads(cli.stdout) == api.get_json()


def test_api_score_errors(make_user, client):
    headers = _bearer(make_user("trainee"))
    too_long = client.post("/api/v1/score", json={"text": "好" * 5001}, headers=headers)
    assert too_long.status_code == 413 and too_long.get_json()["code"] == "too_long"
    assert client.post("/api/v1/score", data="nope", headers=headers).status_code == 400
    no_text = client.post("/api/v1/score", json={"id": 1}, headers=headers)
    assert no_text.status_code == 400 and no_text.get_json()["error"] == "缺少 text 字段 (字符串)。"
    assert client.post("/api/v1/score", json={"text": "您好"}).status_code == 401
    empty = client.post("/api/v1/score", json={"text": ""}, headers=headers)
    assert empty.status_code == 200 and empty.get_json()["score"] == 100


def test_cli_score_exit_code_and_error_lines(runner, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": 1, "text": "\\u4f60\\u597d"}\n' + "坏".encode("gbk") + b"\n{}\n")
    result = runner.invoke(args=["score", "--script", "any", str(source)])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("code") for line in lines] == [None, "not_utf8", "no_text"]


def test_cli_score_writes_a_line_for_a_lone_surrogate_and_goes_on(runner, tmp_path):
    """A lone surrogate from a JSON escape cannot be written as UTF-8: it becomes "?", and the run goes on."""
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": "\\udcff", "text": "\\u5582"}\n{"id": 2, "text": "\\u60a8\\u597d"}\n')
    result = runner.invoke(args=["score", str(source)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["?", 2] and lines[0]["banned"][0]["phrase"] == "喂"


def test_cli_score_with_another_rules_dir_and_csv(runner, tmp_path):
    shutil.copytree(ROOT / "question_bank" / "phrases", tmp_path / "phrases")
    source = tmp_path / "in.csv"
    source.write_text("id,text\nx,這個我不清楚\n", encoding="utf-8")
    result = runner.invoke(args=["score", "--format", "csv", "--rules", str(tmp_path / "phrases"), str(source)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["banned"][0]["phrase"] == "不清楚"


def test_cli_score_broken_rules_exit_2(runner, tmp_path):
    shutil.copytree(ROOT / "question_bank" / "phrases", tmp_path / "phrases")
    (tmp_path / "phrases" / "scoring.yaml").write_text("pass_line: [", encoding="utf-8")
    result = runner.invoke(args=["score", "--rules", str(tmp_path / "phrases")], input="{}")
    assert result.exit_code == 2
    assert "scoring.yaml:1: YAML 语法错误" in result.stderr


def test_broken_rules_are_refused_and_the_previous_rules_stay_in_force(app, make_user, client, tmp_path):
    before = db.session.scalar(select(PhraseRuleSet.version).where(PhraseRuleSet.active.is_(True)))
    shutil.copytree(ROOT / "question_bank", tmp_path / "question_bank")
    banned = tmp_path / "question_bank" / "phrases" / "banned.yaml"
    banned.write_text(banned.read_text(encoding="utf-8").replace("indicator: self_management", "indicator: x"),
                      encoding="utf-8")
    with pytest.raises(Exception, match="未知的能力指标 'x'"):
        sync_content(load_content(tmp_path))
    assert db.session.scalar(select(PhraseRuleSet.version).where(PhraseRuleSet.active.is_(True))) == before
    report = client.post("/api/v1/score", json={"text": "您好"}, headers=_bearer(make_user("hr"))).get_json()
    assert report["rules_version"] == before


def test_changed_rules_come_into_force_on_sync(app, tmp_path):
    shutil.copytree(ROOT / "question_bank", tmp_path / "question_bank")
    scoring = tmp_path / "question_bank" / "phrases" / "scoring.yaml"
    scoring.write_text(scoring.read_text(encoding="utf-8").replace("pass_line: 60", "pass_line: 70"),
                       encoding="utf-8")
    report = sync_content(load_content(tmp_path))
    assert any(change.startswith("phrase rules") for change in report.changes)
    from trainer.rules.services import rules_in_force

    assert rules_in_force().scoring.pass_line == 70
