"""The Flask application factory: configuration, extensions, blueprints, access checks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import base_config, load_or_create_secret_key
from .extensions import csrf, db, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build an app. `config` overrides the defaults and the environment (tests pass their own)."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("TRAINER_INSTANCE_PATH")
    app = Flask(__name__, instance_path=str(instance_path) if instance_path else None,
                instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(base_config(Path(app.instance_path)))
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or load_or_create_secret_key(
            Path(app.instance_path)
        )
    app.config["CONTENT_ROOT"] = Path(app.config["CONTENT_ROOT"])
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:  # behind a load balancer: the client's address, not the balancer's, counts for sign-in limits
        # Flask's documented way to wrap the WSGI app, which its typing declares a method
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)

    from . import access, auth, errors, headers, inputs, templating
    from . import health as _health  # noqa: F401 - register the probe table
    from .accounts import models as _accounts_models  # noqa: F401 - register tables
    from .accounts.views import admin_bp
    from .accounts.views import bp as accounts_bp
    from .api import hr_views as _hr_views  # noqa: F401 - routes on api_bp
    from .api.views import bp as api_bp
    from .assessment import models as _assessment_models  # noqa: F401
    from .assessment.views import bp as assessment_bp
    from .assessment.views import closed_book_guard
    from .competency import grade_models as _grade_models  # noqa: F401 - grade history
    from .competency import models as _competency_models  # noqa: F401
    from .competency import promotion_views as _promotion_views  # noqa: F401 - routes on competency_bp
    from .competency import survey_models as _survey_models  # noqa: F401 - Delphi surveys
    from .competency.dashboard_views import bp as dashboards_bp
    from .competency.kpi_views import bp as kpi_bp
    from .competency.survey_views import delphi_bp  # the outside experts' /delphi/<token>
    from .competency.views import bp as competency_bp
    from .home.views import bp as home_bp
    from .learning import models as _learning_models  # noqa: F401
    from .learning.views import bp as learning_bp
    from .learning.views import requests_bp
    from .practice import models as _practice_models  # noqa: F401
    from .practice.views import bp as practice_bp
    from .review import calibration_views as _calibration_views  # noqa: F401 - routes on review_bp
    from .review import drill_views as _drill_views  # noqa: F401 - routes on review_bp
    from .review import models as _review_models  # noqa: F401
    from .review import violation_views as _violation_views  # noqa: F401 - routes on review_bp
    from .review.views import bp as review_bp
    from .roleplay import models as _roleplay_models  # noqa: F401
    from .roleplay.views import bp as roleplay_bp
    from .rules import models as _rules_models  # noqa: F401
    from .rules.views import bp as rules_bp

    inputs.install(app)  # before the blueprints: their <int:…> rules take the bounded converter
    auth.install(app)
    headers.install(app)
    errors.install(app)
    templating.install(app)
    for blueprint in (accounts_bp, admin_bp, home_bp, competency_bp, dashboards_bp, kpi_bp, practice_bp, rules_bp,
                      learning_bp, requests_bp, assessment_bp, roleplay_bp, review_bp, api_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(delphi_bp)
    csrf.exempt(api_bp)  # token-only, cookies ignored: see trainer/auth.py
    access.install(app)
    app.before_request(closed_book_guard)

    from .cli import register_commands

    register_commands(app)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys and use WAL so readers never block the writer."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
