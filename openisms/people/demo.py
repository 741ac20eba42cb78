"""Demo content for leadership and support: five ISMS roles held by the demo colleagues, three
processes with their RACI, competences required by the roles, training records (one expired, so
the competence gaps page shows a gap), an awareness campaign with its completion and a
communication plan of six items. Written through the services; idempotent (nothing when the
organisation already has ISMS roles)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from openisms.core.gate import scoped
from openisms.people import services
from openisms.people.models import IsmsRole

COMPETENCES = {
    "ISO/IEC 27001 implementation": "Knows the requirements of ISO/IEC 27001 and how to run an "
    "ISMS (lead implementer level).",
    "Risk assessment": "Can identify, analyse and evaluate information security risks with the "
    "organisation's method.",
    "Internal auditing": "Can plan and conduct internal audits following ISO 19011.",
    "Data protection (GDPR)": "Knows the GDPR obligations of a controller and how to handle "
    "data subject requests and breaches.",
    "Network and endpoint security": "Can configure and monitor the firewall, endpoint "
    "protection and patching.",
}

ROLES = [
    (
        "ISMS manager",
        "Runs the ISMS day to day: maintains the risk register, the Statement of Applicability "
        "and the document register; reports on ISMS performance to top management.",
        ["manager"],
        ["ISO/IEC 27001 implementation", "Risk assessment"],
    ),
    (
        "CISO / IT lead",
        "Accountable for technical security: network, endpoints, backups, access management; "
        "approves technical controls and exceptions.",
        ["contributor"],
        ["Network and endpoint security", "Risk assessment"],
    ),
    (
        "Risk owner",
        "Accepts the residual risk of the risks they own and sees that treatment actions are "
        "carried out.",
        ["owner", "manager"],
        ["Risk assessment"],
    ),
    (
        "Internal auditor",
        "Plans and conducts the internal audit programme independently of the audited areas.",
        ["auditor"],
        ["Internal auditing", "ISO/IEC 27001 implementation"],
    ),
    (
        "Data protection officer",
        "Advises on and monitors compliance with the GDPR; contact point for the supervisory "
        "authority.",
        ["manager"],
        ["Data protection (GDPR)"],
    ),
]

PROCESSES = [
    (
        "Risk assessment and treatment",
        "Yearly and on significant change: identify, analyse, evaluate and treat risks.",
        {
            "ISMS manager": "R",
            "Risk owner": "A",
            "CISO / IT lead": "C",
            "Internal auditor": "I",
        },
    ),
    (
        "Internal audit",
        "Audit programme covering every clause and the applicable controls over three years.",
        {"Internal auditor": "R", "ISMS manager": "A", "CISO / IT lead": "I", "Risk owner": "I"},
    ),
    (
        "Incident management",
        "Report, triage, contain, recover and learn from information security incidents.",
        {
            "CISO / IT lead": "R",
            "ISMS manager": "A",
            "Data protection officer": "C",
            "Risk owner": "I",
        },
    ),
]

COMMUNICATION = [
    (
        "ISMS performance report (objectives, incidents, audit results)",
        "Quarterly",
        "Managing director and department heads",
        "manager",
        "Management meeting, slide deck",
    ),
    (
        "Information security policy",
        "Yearly and after each change",
        "All staff",
        "manager",
        "Intranet and e-mail",
    ),
    (
        "Phishing warnings and current threats",
        "As needed",
        "All office staff",
        "contributor",
        "E-mail, Teams channel",
    ),
    (
        "Planned maintenance and outages",
        "One week before",
        "All staff",
        "contributor",
        "E-mail, notice board in the plant",
    ),
    (
        "Security requirements for suppliers",
        "At contract signature and renewal",
        "IT and logistics suppliers",
        "manager",
        "Contract annex",
    ),
    (
        "Personal data breach notification",
        "Within 72 hours of awareness",
        "Supervisory authority",
        "manager",
        "Authority's online form",
    ),
]


def load_demo(*, organization: Any, owner: Any, colleagues: dict[str, Any]) -> None:
    from openisms.risks.demo import _people

    if scoped(IsmsRole, organization).exists():
        return
    people = _people(organization, owner, colleagues)
    auditor = colleagues.get("auditor")
    if auditor is not None and not auditor.has_perm("core.view_organization", organization):
        auditor = None
    people["auditor"] = auditor or people["manager"]
    today = timezone.localdate()

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    with transaction.atomic():
        competences = {
            name: services.competence_create(
                organization=organization, actor=owner, name=name, description=text
            )
            for name, text in COMPETENCES.items()
        }
        roles = {}
        for name, text, holders, required in ROLES:
            roles[name] = services.role_create(
                organization=organization,
                actor=owner,
                name=name,
                responsibilities=text,
                holders=list(dict.fromkeys(people[h] for h in holders)),
                competences=[competences[c] for c in required],
            )
        for name, text, raci in PROCESSES:
            services.process_create(
                organization=organization,
                actor=owner,
                name=name,
                description=text,
                raci={roles[r]: letter for r, letter in raci.items()},
            )
        # Training: everyone valid except the IT lead's network security certificate, which
        # expired last month (a gap on the competence gaps page).
        records = [
            (
                "manager",
                "ISO/IEC 27001 implementation",
                "ISO/IEC 27001 Lead Implementer",
                400,
                1095,
            ),
            ("manager", "Risk assessment", "Risk assessment with ISO/IEC 27005", 300, None),
            ("manager", "Data protection (GDPR)", "Certified data protection officer", 500, 1095),
            ("contributor", "Risk assessment", "Risk assessment workshop", 200, None),
            (
                "contributor",
                "Network and endpoint security",
                "Firewall administrator certificate",
                760,
                730,
            ),
            ("owner", "Risk assessment", "Risk assessment workshop", 200, None),
            ("auditor", "Internal auditing", "ISO 19011 internal auditor", 350, None),
            ("auditor", "ISO/IEC 27001 implementation", "ISO/IEC 27001 Foundation", 380, None),
        ]
        for who, competence, title, days_ago, valid_days in records:
            completed = ago(days_ago)
            services.training_create(
                organization=organization,
                actor=owner,
                person=people[who],
                competence=competences[competence],
                title=title,
                completed_on=completed,
                valid_until=completed + dt.timedelta(days=valid_days) if valid_days else None,
            )
        services.campaign_create(
            organization=organization,
            actor=owner,
            title="Spot the phish — spring awareness campaign",
            description="E-learning module (20 minutes), a poster series in the plant and a "
            "simulated phishing mail per month.",
            audience="All office staff",
            starts_on=ago(75),
            ends_on=ago(15),
            target_count=48,
            completed_count=41,
        )
        services.campaign_create(
            organization=organization,
            actor=owner,
            title="Clean desk and visitor escort in the plant",
            description="Toolbox talks by the shift leads.",
            audience="Production staff",
            starts_on=ago(5),
            ends_on=today + dt.timedelta(days=40),
            target_count=95,
            completed_count=22,
        )
        for what, when, audience, who, channel in COMMUNICATION:
            services.communication_create(
                organization=organization,
                actor=owner,
                what=what,
                when=when,
                audience=audience,
                communicator=people[who],
                channel=channel,
            )


def demo_hook(*, organization: Any, owner: Any, colleagues: dict[str, Any], full: bool) -> None:
    if full:
        load_demo(organization=organization, owner=owner, colleagues=colleagues)
