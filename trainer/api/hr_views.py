"""/api/v1/hr: HR's endpoints (token only, HR role only), on the API blueprint."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from ..access import allow
from ..competency import promotions
from .views import bp


@bp.route("/hr/promotions")
@allow("hr")
def hr_promotions():
    """The agents who meet every rule of their next grade, each rule with its value, what is needed and met."""
    eligible, _ = promotions.eligible_for(current_user)
    return jsonify({"eligible": [
        {
            "agent": {
                "id": e.agent.id,
                "name": e.agent.display_name,
                "grade": e.agent.grade_code,
                "grade_name": e.grade.name if e.grade else None,
                "hire_date": e.agent.hire_date.isoformat() if e.agent.hire_date else None,
            },
            "next": e.next.code if e.next else None,
            "next_name": e.next.name if e.next else None,
            "rules": [r.as_json() for r in e.rules],
        }
        for e in eligible
    ]})
