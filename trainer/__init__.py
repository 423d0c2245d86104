"""坐席培训与考核平台 (customer-service agent training and assessment platform).

Importing the package must stay cheap and Flask-free: the pure rooms (`trainer.scoring`,
`trainer.content`, `trainer.competency.stats`, `trainer.roleplay.engine`) are used by the CLI,
the benchmarks and other tools without a web app, so the factory is imported only when called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web app (see trainer/app.py); `trainer:create_app()` is what gunicorn serves."""
    from .app import create_app as build

    return build(config)
