"""Demo content for objectives and monitoring: three objectives of a small manufacturer, four
metrics with six months of monthly measurements — one on target, one in warning, one off target
and one improving to target. Written through the services; idempotent (nothing when the
organisation already has objectives)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from openisms.core.gate import scoped
from openisms.objectives import services
from openisms.objectives.models import Objective

OBJECTIVES: list[dict[str, Any]] = [
    {
        "title": "Reduce phishing susceptibility of office staff",
        "plan": "Quarterly awareness sessions, monthly phishing simulations, a report-phishing "
        "button in the mail client, follow-up training for those who click.",
        "resources": "Awareness platform licence (EUR 3,000/year); 2 hours per employee per year; "
        "IT lead half a day per month.",
        "evaluation": "Monthly simulation click rate and training completion, reviewed by the "
        "ISMS manager; reported to the management review.",
        "status": "in_progress",
        "due_days": 150,
        "owner": "manager",
        "metrics": [
            {
                "name": "Phishing simulation click rate",
                "measured": "Share of recipients who clicked the link in the monthly simulation.",
                "method": "Awareness platform report, all office staff included.",
                "unit": "%",
                "target": "5",
                "warning": "10",
                "direction": "lower_is_better",
                "values": ["18", "15", "12.5", "11", "9", "8.5"],
                "source": "Awareness platform monthly report",
                "by": "contributor",
            },
            {
                "name": "Security awareness training completion",
                "measured": "Share of staff who completed the annual awareness module.",
                "method": "Learning platform completion export against the HR head count.",
                "unit": "%",
                "target": "95",
                "warning": "85",
                "direction": "higher_is_better",
                "values": ["61", "70", "78", "86", "92", "96"],
                "source": "Learning platform export",
                "by": "manager",
            },
        ],
    },
    {
        "title": "Keep production and office systems patched",
        "plan": "Monthly patch window for servers, automatic updates for laptops, exception "
        "register for the machine-control PCs reviewed each quarter.",
        "resources": "IT lead and external service provider (8 hours per month).",
        "evaluation": "Patch compliance report compared with the target each month.",
        "status": "in_progress",
        "due_days": 240,
        "owner": "contributor",
        "metrics": [
            {
                "name": "Critical patches applied within 14 days",
                "measured": "Share of critical security updates installed within 14 days of "
                "release on servers and laptops.",
                "method": "Patch management console compliance report.",
                "unit": "%",
                "target": "95",
                "warning": "90",
                "direction": "higher_is_better",
                "values": ["93", "91", "88", "86", "84", "81"],
                "source": "Patch console compliance report",
                "by": "contributor",
            },
        ],
    },
    {
        "title": "Recover the ERP within its four-hour recovery time objective",
        "plan": "Quarterly restore tests of the ERP database to the standby server; runbook "
        "updated after each test.",
        "resources": "Standby server; IT service provider (one day per quarter).",
        "evaluation": "Measured restore time in each test against the RTO.",
        "status": "planned",
        "due_days": 300,
        "owner": "manager",
        "metrics": [
            {
                "name": "ERP restore time in test",
                "measured": "Hours from the start of the restore to the ERP accepting log-ins.",
                "method": "Timed restore test to the standby server.",
                "unit": "h",
                "target": "4",
                "warning": "6",
                "direction": "lower_is_better",
                "values": ["7.5", "6.5", "5", "4.5", "4", "3.5"],
                "source": "Restore test record",
                "by": "contributor",
            },
        ],
    },
]


def load_demo(*, organization: Any, owner: Any, colleagues: dict[str, Any]) -> None:
    from openisms.risks.demo import _people

    if scoped(Objective, organization).exists():
        return
    people = _people(organization, owner, colleagues)
    today = timezone.localdate()
    with transaction.atomic():
        for spec in OBJECTIVES:
            objective = services.objective_create(
                organization=organization,
                actor=owner,
                title=spec["title"],
                plan=spec["plan"],
                resources=spec["resources"],
                evaluation=spec["evaluation"],
                status=spec["status"],
                due_date=today + dt.timedelta(days=spec["due_days"]),
                owner=people[spec["owner"]],
            )
            for m in spec["metrics"]:
                person = people[m["by"]]
                metric = services.metric_create(
                    organization=organization,
                    actor=owner,
                    objective=objective,
                    name=m["name"],
                    measured=m["measured"],
                    method=m["method"],
                    frequency_days=31,
                    measured_by=person,
                    analysed_by=people["manager"],
                    unit=m["unit"],
                    target=Decimal(m["target"]),
                    warning=Decimal(m["warning"]),
                    direction=m["direction"],
                )
                n = len(m["values"])
                for i, value in enumerate(m["values"]):
                    services.measurement_record(
                        metric=metric,
                        actor=person,
                        value=Decimal(value),
                        measured_on=today - dt.timedelta(days=30 * (n - 1 - i) + 3),
                        source=m["source"],
                    )


def demo_hook(*, organization: Any, owner: Any, colleagues: dict[str, Any], full: bool) -> None:
    if full:
        load_demo(organization=organization, owner=owner, colleagues=colleagues)
