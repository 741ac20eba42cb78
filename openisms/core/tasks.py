"""Background tasks of the core. Later apps add theirs (reminders, exports)."""

from __future__ import annotations

from django.tasks import task

from openisms.core import audit


@task()
def verify_audit_chains() -> dict[str, object]:
    """Recompute every audit chain (scheduled checks call this)."""
    reports = audit.verify_all()
    return {
        "chains": len(reports),
        "events": sum(r.checked for r in reports),
        "broken": [r.key for r in reports if not r.ok],
    }
