"""Demo content for the incident register: a phishing incident with a personal-data question
(the GDPR 72-hour clock running out) and a server outage that is closed with lessons learned,
each with its timeline and links to the demo's assets, risks, nonconformities and evidence.
Written through the services; idempotent (nothing when the organisation has incidents)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from openisms.assets.models import Asset
from openisms.controls.models import Evidence
from openisms.core.gate import scoped
from openisms.improvement.models import Nonconformity
from openisms.incidents import services
from openisms.incidents.models import Incident
from openisms.risks.models import Risk


def load_demo(*, organization: Any, owner: Any, colleagues: dict[str, Any]) -> None:
    from openisms.risks.demo import _people

    if scoped(Incident, organization).exists():
        return
    people = _people(organization, owner, colleagues)
    manager = people["manager"]
    now = timezone.now().replace(second=0, microsecond=0)

    def assets(*names: str) -> list[Asset]:
        return list(scoped(Asset, organization).filter(name__in=names))

    def risks(*titles: str) -> list[Risk]:
        return list(scoped(Risk, organization).filter(title__in=titles))

    with transaction.atomic():
        detected = now - dt.timedelta(days=4, hours=3)
        phishing = services.incident_create(
            organization=organization,
            actor=owner,
            title="Phishing e-mail: sales mailbox credentials entered on a fake login page",
            description="A sales assistant entered her password on a fake Microsoft 365 page. "
            "The attacker logged in from abroad and set a forwarding rule.",
            detected_at=detected,
            reported_at=detected + dt.timedelta(minutes=40),
            reported_by="Sales assistant (via the IT hotline)",
            classification="confidentiality",
            severity="high",
            owner=manager,
            response="Password reset, sessions revoked, forwarding rule removed, MFA enforced "
            "on the account.",
            personal_data_breach=True,
            assets=assets("Office suite and e-mail (cloud)", "Sales and customer service staff"),
            risks=risks("Phishing leads to theft of e-mail account credentials"),
        )
        for offset, what in (
            (dt.timedelta(minutes=40), "Reported to the IT hotline."),
            (dt.timedelta(hours=1), "Password reset and all sessions revoked."),
            (dt.timedelta(hours=2), "Forwarding rule to an external address found and removed."),
            (
                dt.timedelta(hours=5),
                "DPO asked: the mailbox holds customer names, addresses and order details — "
                "is this a notifiable personal data breach?",
            ),
        ):
            services.timeline_add(incident=phishing, actor=manager, what=what, at=detected + offset)
        phishing.refresh_from_db()
        services.incident_transition(
            incident=phishing, actor=manager, to="triaged", version=phishing.version
        )
        phishing.refresh_from_db()
        services.incident_transition(
            incident=phishing, actor=manager, to="contained", version=phishing.version
        )

        detected = now - dt.timedelta(days=32)
        outage = services.incident_create(
            organization=organization,
            actor=owner,
            title="File server and ERP down after RAID controller failure",
            description="The production file server stopped; the ERP database on it was "
            "unavailable for most of a shift.",
            detected_at=detected,
            reported_at=detected + dt.timedelta(minutes=10),
            reported_by="Shift supervisor",
            classification="availability",
            severity="critical",
            owner=people["contributor"],
            response="RAID controller replaced by the MSP; ERP restored from the nightly backup "
            "(9 hours instead of the 4-hour target).",
            lessons_learned="Restore takes too long: keep a spare controller on site and test "
            "restores twice a year (see the restore nonconformity).",
            assets=assets("Production file server", "ERP system"),
            risks=risks("Ransomware encrypts the file server and the ERP"),
            nonconformities=list(
                scoped(Nonconformity, organization).filter(
                    source="control_test", test_run__isnull=False
                )
            ),
            evidence=list(scoped(Evidence, organization).filter(title="Backup job log")),
        )
        for offset, what in (
            (dt.timedelta(minutes=10), "Shift supervisor reports the ERP unreachable."),
            (dt.timedelta(minutes=45), "MSP diagnoses a failed RAID controller."),
            (dt.timedelta(hours=4), "Controller replaced; volume degraded, restore started."),
            (dt.timedelta(hours=13), "ERP restored from the nightly backup and back in use."),
        ):
            services.timeline_add(incident=outage, actor=owner, what=what, at=detected + offset)
        for to in ("triaged", "contained", "resolved", "closed"):
            outage.refresh_from_db()
            services.incident_transition(
                incident=outage, actor=owner, to=to, version=outage.version
            )


def demo_hook(*, organization: Any, owner: Any, colleagues: dict[str, Any], full: bool) -> None:
    if full:
        load_demo(organization=organization, owner=owner, colleagues=colleagues)
