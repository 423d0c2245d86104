"""Which phrase rules are in force, compiled once per process and version, and the draft rules on disk.

Every app process compiles the same rules from the texts the database keeps (trainer content sync
stores them), so all processes behind a load balancer agree on a reply's score.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..content import ContentError, load_content
from ..content.phrases import rules_from_texts
from ..extensions import db
from ..scoring import RuleSet
from .models import PhraseRuleSet

_COMPILED: dict[str, RuleSet] = {}


class RulesNotLoaded(Exception):
    """No rule set has been synced yet (`trainer content sync`)."""


def rules_in_force() -> RuleSet:
    """The active rule set, compiled once per process and version."""
    row = db.session.execute(
        select(PhraseRuleSet.version, PhraseRuleSet.id).where(PhraseRuleSet.active.is_(True))
    ).first()
    if row is None:
        raise RulesNotLoaded
    version, row_id = row
    rules = _COMPILED.get(version)
    if rules is None:
        stored = db.session.get(PhraseRuleSet, row_id)
        assert stored is not None  # found by the query above, in the same transaction
        texts = stored.texts
        rules, errors = rules_from_texts(texts)
        if rules is None:  # synced rules were valid when stored; only a code change could break them
            raise RulesNotLoaded(errors)
        _COMPILED.clear()
        _COMPILED[version] = rules
    return rules


def draft_rules() -> tuple[RuleSet | None, list[ContentError]]:
    """The rule files on disk as they are now, for testing before `trainer content sync` puts them in force."""
    content = load_content(current_app.config["CONTENT_ROOT"])
    phrase_errors = [e for e in content.errors if "/phrases/" in f"/{e.path}"]
    return (content.rules, phrase_errors) if content.rules else (None, phrase_errors or list(content.errors))


def script_choices(rules: RuleSet) -> list[tuple[str, str]]:
    return [(s.id, s.name) for s in rules.scripts.values()]
