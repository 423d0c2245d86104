"""`trainer content check/sync`, `trainer user …`, `trainer demo`, and the migrations."""

import re
import shutil

import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT
from trainer.accounts.models import Grade, Team, User
from trainer.competency.models import Evidence, Indicator, WeightSet
from trainer.content import ContentInvalid, load_content
from trainer.extensions import db
from trainer.sync import sync_content


@pytest.fixture
def content_copy(tmp_path):
    shutil.copytree(ROOT / "question_bank", tmp_path / "question_bank")
    shutil.copytree(ROOT / "courses", tmp_path / "courses")
    return tmp_path


def _model(root):
    return root / "question_bank" / "competency" / "model.yaml"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _forget_indicator(root, indicator: str, *, instead: str) -> None:
    """Drop every reference to `indicator` outside the model file, as an editor retiring it would."""
    for path in root.rglob("*.yaml"):
        if path.name == "model.yaml":
            continue
        text = path.read_text(encoding="utf-8")
        new = text
        if path.parent.name == "rubrics":  # a rubric anchors the indicator under its own key: drop that block
            new = re.sub(rf"^  {indicator}:\n(?:    .*\n)*", "", new, flags=re.M)
        new = re.sub(rf"\[{indicator}\]", f"[{instead}]", new)
        new = re.sub(rf",\s*{indicator}\b|\b{indicator},\s*", "", new)
        new = re.sub(rf"(^\s*(?:-\s+|indicator:\s*)){indicator}\s*$", rf"\g<1>{instead}", new, flags=re.M)
        if new != text:
            path.write_text(new, encoding="utf-8")


def test_sync_is_idempotent(app):
    assert sync_content(load_content(ROOT)).changes == []


def test_weight_change_creates_a_new_active_version_and_keeps_the_old(app, content_copy):
    path = _model(content_copy)
    text = path.read_text(encoding="utf-8")
    text = text.replace("weight: 34.52", "weight: 44.52").replace("combined: 11.55", "combined: 14.90")
    text = text.replace("weight: 14.08", "weight: 4.08").replace("combined: 4.71", "combined: 1.37")
    path.write_text(text, encoding="utf-8")
    report = sync_content(load_content(content_copy))
    assert "weight set v2: created from the model file and activated" in report.changes
    sets = {ws.version: ws.active for ws in db.session.scalars(select(WeightSet))}
    assert sets == {1: False, 2: True}


def test_description_change_does_not_make_a_new_version(app, content_copy):
    path = _model(content_copy)
    path.write_text(path.read_text(encoding="utf-8").replace("会听会问", "善于倾听和提问"), encoding="utf-8")
    report = sync_content(load_content(content_copy))
    assert report.changes == ["indicator communication: updated"]
    assert _count(WeightSet) == 1


def test_removed_indicator_is_retired_and_its_evidence_kept(app, make_user, content_copy):
    from trainer.competency import services

    agent = make_user("trainee")
    services.record_evidence(agent=agent, indicator_id="self_motivation", value=70, source_kind="exam")
    _forget_indicator(content_copy, "self_motivation", instead="continuous_learning")
    path = _model(content_copy)
    text = path.read_text(encoding="utf-8")
    block = text[text.index("      - id: self_motivation"):text.index("  - id: practice_learning")]
    text = text.replace(block, "").replace("weight: 30.16", "weight: 44.24")
    text = text.replace("combined: 10.10", "combined: 14.81")
    path.write_text(text, encoding="utf-8")
    report = sync_content(load_content(content_copy))
    assert "indicator self_motivation: retired (its evidence is kept)" in report.changes
    assert db.session.get(Indicator, "self_motivation").retired
    assert _count(Evidence) == 1
    assert len(services.model_view().groups[1].indicators) == 3


def test_invalid_content_leaves_the_database_unchanged(app, content_copy):
    path = _model(content_copy)
    path.write_text(path.read_text(encoding="utf-8").replace("combined: 9.24", "combined: 19.24"), encoding="utf-8")
    grades = content_copy / "question_bank" / "competency" / "grades.yaml"
    grades.write_text(grades.read_text(encoding="utf-8").replace("name: 资深", "name: 专家"), encoding="utf-8")
    with pytest.raises(ContentInvalid):
        sync_content(load_content(content_copy))
    assert db.session.get(Grade, "expert").name == "资深"
    assert _count(WeightSet) == 1


def test_cli_content_check_prints_path_line_errors(runner, content_copy):
    path = _model(content_copy)
    path.write_text(path.read_text(encoding="utf-8").replace("combined: 9.24", "combined: 19.24"), encoding="utf-8")
    result = runner.invoke(args=["content", "check", "--root", str(content_copy)])
    assert result.exit_code == 1
    assert result.stdout.startswith("question_bank/competency/model.yaml:")
    assert "组合权重 19.24" in result.stdout


def test_cli_content_check_and_sync_pass_on_the_repository(runner):
    assert runner.invoke(args=["content", "check"]).exit_code == 0
    result = runner.invoke(args=["content", "sync"])
    assert result.exit_code == 0


def test_cli_sync_refuses_bad_content(runner, content_copy):
    (content_copy / "question_bank" / "competency" / "grades.yaml").write_text("grades: [", encoding="utf-8")
    result = runner.invoke(args=["content", "sync", "--root", str(content_copy)])
    assert result.exit_code == 1
    assert "question_bank/competency/grades.yaml:1: YAML 语法错误" in result.stdout


def test_cli_user_create_and_token(runner, client):
    result = runner.invoke(args=["user", "create", "ops-bot", "--role", "hr", "--password", "bot-pass-123"])
    assert result.exit_code == 0, result.output
    token = runner.invoke(args=["user", "token", "ops-bot"]).stdout.strip()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.get_json()["role"] == "hr"
    assert runner.invoke(args=["user", "token", "nobody"]).exit_code == 1
    assert "ops-bot" in runner.invoke(args=["user", "list"]).stdout


def test_cli_user_create_refuses_short_password_and_duplicates(runner, make_user):
    make_user("hr", username="dup")
    assert runner.invoke(args=["user", "create", "x", "--role", "hr", "--password", "short"]).exit_code != 0
    assert runner.invoke(args=["user", "create", "dup", "--role", "hr", "--password", "long-enough-1"]).exit_code == 1


def test_demo_creates_every_role_and_a_team_with_history(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    roles = {u.username: u.role for u in db.session.scalars(select(User))}
    for username, role in [("demo-trainee", "trainee"), ("demo-supervisor", "supervisor"),
                           ("demo-hr", "hr"), ("demo-admin", "admin")]:
        assert roles[username] == role
    supervisor = db.session.scalar(select(User).where(User.username == "demo-supervisor"))
    team = supervisor.led_teams[0]
    trainee = db.session.scalar(select(User).where(User.username == "demo-trainee"))
    assert trainee.team_id == team.id and len(team.members) >= 3
    assert db.session.scalar(select(func.count()).select_from(Evidence).where(Evidence.agent_id == trainee.id)) > 5
    again = runner.invoke(args=["demo", "--if-empty"])
    assert "already has users" in again.stdout
    assert _count(Team) == 2


def test_demo_accounts_can_sign_in(runner, app):
    from tests.conftest import login

    runner.invoke(args=["demo"])
    for name, home in [("demo-trainee", "/me"), ("demo-supervisor", "/team"), ("demo-hr", "/hr"),
                       ("demo-admin", "/admin")]:
        client = app.test_client()
        assert login(client, name, "demo-pass-2026").status_code == 302
        assert client.get("/").headers["Location"] == home
        assert client.get(home).status_code == 200


def test_migrations_match_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    from trainer import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"INSTANCE_PATH": tmp_path, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    first = create_app(config).config["SECRET_KEY"]
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert create_app(config).config["SECRET_KEY"] == first
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_sqlite_uses_wal_and_foreign_keys(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
