"""Write validated content into the database in one transaction: everything changes or nothing does.

Sync is idempotent (running it twice changes nothing the second time) and never deletes history:
an indicator that leaves the model file is retired, and a weight change becomes a new weight-set
version while the old version is kept so earlier indices can still be explained. A sync that changed
something leaves one record in the administrative audit log, in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select, text

from .accounts import audit as admin_audit
from .accounts.models import Grade, User
from .assessment.models import BankQuestion, QuestionCategory, TypingPassage
from .competency.models import Indicator, IndicatorWeight, WeightSet
from .content import CompetencyModel, ContentSet, GradeDef
from .extensions import db
from .learning.models import Course, CourseSegment
from .review.models import Rubric, ViolationCategory
from .roleplay.models import ScenarioRecord
from .rules.models import PhraseRuleSet
from .timeutil import utcnow


@dataclass
class SyncReport:
    changes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.changes.append(text)


def weights_fingerprint(model: CompetencyModel) -> str:
    """Identity of a weight set: the tree and its numbers, not comments or descriptions."""
    parts = [f"{g.id}={g.weight:.4f}" for g in model.groups]
    parts += [f"{g.id}/{i.id}={i.weight:.4f}/{i.combined:.4f}" for g in model.groups for i in g.indicators]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _sync_grades(grades: tuple[GradeDef, ...], report: SyncReport) -> None:
    existing = {g.code: g for g in db.session.scalars(select(Grade))}
    for definition in grades:
        row = existing.get(definition.code)
        values = {
            "name": definition.name,
            "rank": definition.rank,
            "min_tenure_months": definition.min_tenure_months,
            "summary": definition.summary,
            "rules": definition.rules.as_dict(),
        }
        if row is None:
            db.session.add(Grade(code=definition.code, **values))
            report.note(f"grade {definition.code}: added")
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            report.note(f"grade {definition.code}: updated")


def _sync_indicators(model: CompetencyModel, report: SyncReport) -> None:
    existing = {i.id: i for i in db.session.scalars(select(Indicator))}
    wanted: dict[str, dict] = {}
    for g_pos, group in enumerate(model.groups):
        wanted[group.id] = {
            "name": group.name, "description": group.description, "level": 1, "parent_id": None,
            "position": g_pos, "retired": False,
        }
        for i_pos, ind in enumerate(group.indicators):
            wanted[ind.id] = {
                "name": ind.name, "description": ind.description, "level": 2, "parent_id": group.id,
                "position": i_pos, "retired": False,
            }
    for ident, values in wanted.items():
        row = existing.get(ident)
        if row is None:
            db.session.add(Indicator(id=ident, **values))
            report.note(f"indicator {ident}: added")
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            report.note(f"indicator {ident}: updated")
    for ident, row in existing.items():
        if ident not in wanted and not row.retired:
            row.retired = True
            report.note(f"indicator {ident}: retired (its evidence is kept)")
    db.session.flush()


def _model_provenance(model: CompetencyModel) -> dict:
    """Where the file's weights came from: the study's Delphi figures when the file states them."""
    if model.provenance is not None:
        return {**model.provenance.as_dict(), "source": model.source}
    return {"kind": "model_file", "source": model.source}


def _sync_weights(model: CompetencyModel, report: SyncReport) -> None:
    fingerprint = weights_fingerprint(model)
    latest = db.session.scalar(
        select(WeightSet).where(WeightSet.source == "model_file").order_by(WeightSet.version.desc()).limit(1)
    )
    if latest is not None and latest.content_hash == fingerprint:
        provenance = _model_provenance(model)
        if latest.provenance != provenance:  # the file now says more about the same numbers
            latest.provenance = provenance
            report.note(f"weight set v{latest.version}: provenance updated")
        if db.session.scalar(select(func.count()).select_from(WeightSet).where(WeightSet.active.is_(True))) == 0:
            latest.active = True
            report.note(f"weight set v{latest.version}: activated")
        return
    version = (db.session.scalar(select(func.max(WeightSet.version))) or 0) + 1
    for active in db.session.scalars(select(WeightSet).where(WeightSet.active.is_(True))):
        active.active = False
    weight_set = WeightSet(
        version=version, label=model.name, source="model_file", content_hash=fingerprint, active=True,
        effective_from=utcnow().date(), provenance=_model_provenance(model),
    )
    for group in model.groups:
        weight_set.weights.append(IndicatorWeight(indicator_id=group.id, weight=group.weight))
        for ind in group.indicators:
            weight_set.weights.append(IndicatorWeight(indicator_id=ind.id, weight=ind.weight, combined=ind.combined))
    db.session.add(weight_set)
    report.note(f"weight set v{version}: created from the model file and activated")


def _sync_rules(content: ContentSet, report: SyncReport) -> None:
    """Keep the rule texts in the database; the newest valid version becomes the one in force."""
    if content.rules is None:
        return
    version = content.rules.version
    active = db.session.scalar(select(PhraseRuleSet).where(PhraseRuleSet.active.is_(True)))
    if active is not None and active.version == version:
        return
    row = db.session.scalar(select(PhraseRuleSet).where(PhraseRuleSet.version == version))
    if active is not None:
        active.active = False
    if row is None:
        db.session.add(PhraseRuleSet(version=version, texts=dict(content.rule_texts), active=True))
        report.note(f"phrase rules {version}: loaded and in force")
    else:
        row.active = True
        report.note(f"phrase rules {version}: back in force")


def _sync_questions(content: ContentSet, report: SyncReport) -> None:
    categories = {c.id: c for c in db.session.scalars(select(QuestionCategory))}
    for position, category in enumerate(content.categories):
        row = categories.get(category.id)
        if row is None:
            db.session.add(QuestionCategory(id=category.id, name=category.name, position=position))
            report.note(f"category {category.id}: added")
        elif (row.name, row.position) != (category.name, position):
            row.name, row.position = category.name, position
            report.note(f"category {category.id}: updated")
    db.session.flush()
    existing = {q.id: q for q in db.session.scalars(select(BankQuestion))}
    added = updated = 0
    for question in content.questions.values():
        stored = existing.get(question.id)
        values = {
            "category_id": question.category, "type": question.type, "difficulty": question.difficulty,
            "stem": question.stem, "data": asdict(question), "content_hash": question.content_hash,
            "source_path": question.path, "retired": False,
        }
        if stored is None:
            db.session.add(BankQuestion(id=question.id, **values))
            added += 1
        elif stored.content_hash != question.content_hash or stored.retired or stored.source_path != question.path:
            for key, value in values.items():
                setattr(stored, key, value)
            stored.updated_at = utcnow()
            updated += 1
    retired = 0
    for ident, stored in existing.items():
        if ident not in content.questions and not stored.retired and not stored.source_path.startswith(IMPORTED):
            stored.retired = True
            retired += 1
    if added or updated or retired:
        report.note(f"questions: {added} added, {updated} updated, {retired} retired")


GIFT_SOURCE = "gift:"  # questions imported from Moodle GIFT live only in the database
XLSX_SOURCE = "xlsx:"  # so do questions imported from an Excel workbook (trainer/assessment/xlsx_import.py)
#: the source_path prefixes of imported questions: the YAML bank does not hold them, so sync never retires them
IMPORTED = (GIFT_SOURCE, XLSX_SOURCE)


def _sync_courses(content: ContentSet, report: SyncReport) -> None:
    existing = {c.slug: c for c in db.session.scalars(select(Course))}
    for slug, course in content.courses.items():
        row = existing.get(slug)
        if row is not None and row.content_hash == course.content_hash and not row.retired:
            continue
        values = {
            "title": course.title, "series": course.series, "series_order": course.series_order,
            "summary": course.summary, "objectives": list(course.objectives), "indicators": list(course.indicators),
            "prerequisites": list(course.prerequisites), "instructor": course.instructor, "version": course.version,
            "pass_mark": course.pass_mark, "minutes": course.minutes, "quiz": list(course.quiz),
            "sources": [{"reference": src.reference, "passage": src.passage} for src in course.sources],
            "practices": {p.id: {"script": p.script, "prompt": p.prompt, "model_answer": p.model_answer,
                                 "key_points": [k.to_dict() for k in p.key_points], "facts": p.facts.to_dict(),
                                 "domain": p.domain, "channel": p.channel}
                          for p in course.practices},
            "rubric_id": course.rubric, "content_hash": course.content_hash, "retired": False,
            "updated_at": utcnow(),
        }
        if row is None:
            row = Course(slug=slug, **values)
            db.session.add(row)
            report.note(f"course {slug}: added")
        else:
            for key, value in values.items():
                setattr(row, key, value)
            report.note(f"course {slug}: updated (v{course.version})")
        # Segments are content: replaced wholesale. Trainees' progress refers to segment keys, not rows.
        row.segments = [
            CourseSegment(position=i, key=s.key, lesson_title=s.lesson_title, title=s.title, kind=s.kind,
                          minutes=s.minutes, intro_html=s.intro_html, parts=[list(p) for p in s.parts])
            for i, s in enumerate(course.segments)
        ]
    for slug, row in existing.items():
        if slug not in content.courses and not row.retired:
            row.retired = True
            report.note(f"course {slug}: retired (trainees' history is kept)")


def _sync_passages(content: ContentSet, report: SyncReport) -> None:
    existing = {p.id: p for p in db.session.scalars(select(TypingPassage))}
    for passage in content.passages:
        row = existing.get(passage.id)
        if row is None:
            db.session.add(TypingPassage(id=passage.id, title=passage.title, text=passage.text))
            report.note(f"typing passage {passage.id}: added")
        elif (row.title, row.text, row.retired) != (passage.title, passage.text, False):
            row.title, row.text, row.retired = passage.title, passage.text, False
            report.note(f"typing passage {passage.id}: updated")
    wanted = {p.id for p in content.passages}
    for ident, row in existing.items():
        if ident not in wanted and not row.retired:
            row.retired = True
            report.note(f"typing passage {ident}: retired")


def _sync_scenarios(content: ContentSet, report: SyncReport) -> None:
    existing = {s.id: s for s in db.session.scalars(select(ScenarioRecord))}
    for ident, scenario in content.scenarios.items():
        row = existing.get(ident)
        values = {"title": scenario.title, "domain": scenario.domain, "summary": scenario.summary,
                  "data": asdict(scenario), "content_hash": scenario.content_hash, "retired": False}
        if row is None:
            db.session.add(ScenarioRecord(id=ident, **values))
            report.note(f"scenario {ident}: added")
        elif row.content_hash != scenario.content_hash or row.retired:
            for key, value in values.items():
                setattr(row, key, value)
            report.note(f"scenario {ident}: updated")
    for ident, row in existing.items():
        if ident not in content.scenarios and not row.retired:
            row.retired = True
            report.note(f"scenario {ident}: retired (its sessions are kept)")


def _sync_rubrics(content: ContentSet, report: SyncReport) -> None:
    existing = {r.id: r for r in db.session.scalars(select(Rubric))}
    for ident, rubric in content.rubrics.items():
        data = {"id": rubric.id, "name": rubric.name, "description": rubric.description,
                "default_for": rubric.default_for, "scale": {str(k): v for k, v in rubric.scale.items()},
                "levels": {ind: {str(k): text for k, text in anchors.items()}
                           for ind, anchors in rubric.levels.items()}}
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]
        row = existing.get(ident)
        values = {"name": rubric.name, "default_for": rubric.default_for, "data": data, "content_hash": digest,
                  "retired": False}
        if row is None:
            db.session.add(Rubric(id=ident, **values))
            report.note(f"rubric {ident}: added")
        elif row.content_hash != digest or row.retired or row.default_for != rubric.default_for:
            for key, value in values.items():
                setattr(row, key, value)
            report.note(f"rubric {ident}: updated")
    for ident, row in existing.items():
        if ident not in content.rubrics and not row.retired:
            row.retired, row.default_for = True, None
            report.note(f"rubric {ident}: retired (grades made with it keep it)")


def _sync_violations(content: ContentSet, report: SyncReport) -> None:
    existing = {c.id: c for c in db.session.scalars(select(ViolationCategory))}
    for position, category in enumerate(content.violations):
        row = existing.get(category.id)
        values = {"name": category.name, "level": category.level, "points": category.points,
                  "description": " ".join(p for p in (category.description, category.note) if p),
                  "position": position, "retired": False}
        if row is None:
            db.session.add(ViolationCategory(id=category.id, **values))
            report.note(f"violation category {category.id}: added")
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            report.note(f"violation category {category.id}: updated (recorded violations keep their points)")
    wanted = {c.id for c in content.violations}
    for ident, row in existing.items():
        if ident not in wanted and not row.retired:
            row.retired = True
            report.note(f"violation category {ident}: retired")


#: how many change lines one audit record keeps (a first sync into an empty database makes about a hundred)
AUDIT_CHANGES_KEPT = 200


def _audit_sync(report: SyncReport, content: ContentSet, actor: User | None) -> None:
    """One record summarising the sync, only when it changed something; `actor` None = the command line."""
    if not report.changes:
        return
    kept = report.changes[:AUDIT_CHANGES_KEPT]
    if len(report.changes) > len(kept):
        kept = [*kept, f"… and {len(report.changes) - len(kept)} more"]
    admin_audit.record(actor=actor, action="content_sync", target="content",
                       after={"count": len(report.changes), "changes": kept, "source": str(content.root)})


def sync_content(content: ContentSet, *, actor: User | None = None) -> SyncReport:
    """Apply a validated content set atomically; raises ContentInvalid before touching the database.

    `actor` is the signed-in user who asked for it; the CLI (`trainer content sync`) has none and passes nothing.
    """
    content.require_valid()
    report = SyncReport()
    try:
        _sync_grades(content.grades, report)
        if content.model is not None:
            _sync_indicators(content.model, report)
            _sync_weights(content.model, report)
        _sync_rules(content, report)
        _sync_questions(content, report)
        _sync_courses(content, report)
        _sync_passages(content, report)
        _sync_scenarios(content, report)
        _sync_rubrics(content, report)
        _sync_violations(content, report)
        _audit_sync(report, content, actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if report.changes:
        _refresh_planner_statistics()
    return report


def _refresh_planner_statistics() -> None:
    """PostgreSQL: ANALYZE after content changed.

    Autovacuum never analyses tables as small as the weights and indicators, and without statistics the
    planner joins them to a million standings with a nested loop (the HR overview at 5,000 agents took
    twice as long until ANALYZE). SQLite's planner needs nothing.
    """
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
