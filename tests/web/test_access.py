"""Every route declares its roles; records are visible only to the people allowed to see them."""

import pytest
from flask import Flask

from trainer import access
from trainer.access import public, undeclared_views

ROLE_PAGES = {
    "/me": {"trainee"},
    "/team": {"supervisor"},
    "/hr": {"hr"},
    "/admin": {"admin"},
    "/admin/users": {"admin"},
    "/admin/users/new": {"admin"},
    "/admin/teams": {"admin"},
    "/admin/teams/new": {"admin"},
    "/admin/audit": {"admin"},
    "/admin/audit.csv": {"admin"},
    "/competency/me": {"trainee"},
    "/competency/model": {"trainee", "supervisor", "hr", "admin"},
    "/account": {"trainee", "supervisor", "hr", "admin"},
}


def test_every_view_declares_its_roles(app):
    assert undeclared_views(app) == []


def test_a_view_without_a_declaration_stops_the_app_from_starting():
    bare = Flask("bare")
    bare.add_url_rule("/rogue", "rogue", lambda: "secret")
    bare.add_url_rule("/open", "open", public(lambda: "fine"))
    with pytest.raises(RuntimeError, match="views without an access declaration: rogue"):
        access.install(bare)


@pytest.mark.parametrize("role", ["trainee", "supervisor", "hr", "admin"])
def test_role_matrix(signed_in, role):
    client, _ = signed_in(role)
    for path, allowed in ROLE_PAGES.items():
        response = client.get(path)
        if role in allowed:
            assert response.status_code in (200, 302), (role, path, response.status_code)
        else:
            assert response.status_code == 403, (role, path, response.status_code)
            assert "您没有权限访问这个页面" in response.get_data(as_text=True)


@pytest.fixture
def two_teams(make_user, make_team):
    lead_a, lead_b = make_user("supervisor"), make_user("supervisor")
    team_a, team_b = make_team("一组", [lead_a]), make_team("二组", [lead_b])
    a1, a2 = make_user("trainee", team=team_a), make_user("trainee", team=team_a)
    b1 = make_user("trainee", team=team_b)
    return {"lead_a": lead_a, "lead_b": lead_b, "a1": a1, "a2": a2, "b1": b1}


def _profile(client, agent):
    return client.get(f"/competency/agents/{agent.id}")


def test_trainee_sees_only_their_own_profile(client, two_teams):
    from tests.conftest import login

    login(client, two_teams["a1"].username)
    assert _profile(client, two_teams["a1"]).status_code == 200
    assert _profile(client, two_teams["a2"]).status_code == 403
    assert _profile(client, two_teams["b1"]).status_code == 403


def test_supervisor_sees_only_their_teams(client, two_teams):
    from tests.conftest import login

    login(client, two_teams["lead_a"].username)
    assert _profile(client, two_teams["a1"]).status_code == 200
    assert _profile(client, two_teams["a2"]).status_code == 200
    assert _profile(client, two_teams["b1"]).status_code == 403
    page = client.get("/team").get_data(as_text=True)
    assert two_teams["a1"].username in page
    assert two_teams["b1"].username not in page


def test_supervisor_leading_two_teams_sees_both(client, two_teams, make_team):
    from tests.conftest import login
    from trainer.accounts import services

    team_b = two_teams["b1"].team
    services.save_team(team_b, name=team_b.name, description="", supervisors=[two_teams["lead_a"], two_teams["lead_b"]])
    login(client, two_teams["lead_a"].username)
    assert _profile(client, two_teams["b1"]).status_code == 200


def test_hr_sees_everyone_admin_sees_no_results(signed_in, two_teams):
    client, _ = signed_in("hr")
    for key in ("a1", "a2", "b1"):
        assert _profile(client, two_teams[key]).status_code == 200
    page = client.get("/hr").get_data(as_text=True)
    assert all(two_teams[k].username in page for k in ("a1", "a2", "b1"))


def test_admin_cannot_open_profiles(signed_in, two_teams):
    client, _ = signed_in("admin")
    assert _profile(client, two_teams["a1"]).status_code == 403


def test_profile_of_a_non_agent_or_missing_user(signed_in, two_teams):
    client, _ = signed_in("hr")
    assert _profile(client, two_teams["lead_a"]).status_code == 403
    assert client.get("/competency/agents/99999").status_code == 404
