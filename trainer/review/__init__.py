"""Supervisor review: all human judgement (grades, verdicts, overrides, disputes, calibration)."""
