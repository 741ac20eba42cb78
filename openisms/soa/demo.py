"""Demo content: the manufacturer's Statement of Applicability with an approved version and a
newer draft (a later decision not yet approved). Written through the services; idempotent."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from openisms.catalog.models import Framework
from openisms.core.gate import scoped
from openisms.soa import selectors, services
from openisms.soa.models import Soa

# Controls the organisation excludes, with the justification an auditor would accept.
EXCLUDED = {
    "A.5.23": "No cloud service is used for production data beyond the ones covered by supplier "
    "management (A.5.19–A.5.22); re-evaluated when a new cloud service is adopted.",
    "A.7.6": "There are no secure areas beyond the server room; work in it is covered by the "
    "physical entry controls (A.7.2) and no one works there unattended.",
    "A.8.25": "The company does not develop software; the web shop is a vendor-hosted product "
    "configured, not programmed, by the company.",
    "A.8.26": "No software is developed in house, so application security requirements are "
    "specified through supplier agreements instead (A.5.20).",
    "A.8.27": "No systems are engineered in house; architecture principles are the vendors' "
    "and are assessed through supplier management.",
    "A.8.28": "No code is written by the company or on its behalf under its control.",
    "A.8.29": "No software development: security testing of products is the vendors' duty "
    "under contract (A.5.20).",
    "A.8.30": "Development is not outsourced; no software is commissioned.",
    "A.8.31": "With no development, there are no separate development and test environments.",
}
LEGAL = {
    "A.5.31": "GDPR, national data protection act, commercial code (retention).",
    "A.5.33": "Commercial code and tax law: retention of business records for 10 years.",
    "A.5.34": "GDPR art. 5, 24, 32.",
    "A.6.6": "Employment contracts (confidentiality clause); trade secrets act.",
}
CONTRACTUAL = {
    "A.5.20": "Customer framework agreements require security clauses with subcontractors.",
    "A.8.24": "Payment processor agreement (PCI DSS) requires encryption in transit.",
}
BUSINESS = "Protects the order-to-cash process and the product designs (ISMS objectives O-1, O-2)."


def load_demo(*, organization: Any, owner: Any) -> None:
    if scoped(Soa, organization).exists():
        return
    framework = Framework.objects.filter(urn=selectors.ISO27001_2022).first()
    if framework is None:
        return
    with transaction.atomic():
        soa = services.soa_create(organization=organization, actor=owner, framework=framework)
        soa = services.soa_update(
            soa=soa, actor=owner, version=soa.version, classification="Confidential"
        )
        rows = selectors.draft_rows(soa, full=True)
        later = "A.8.30"  # decided after the approval: the newer draft
        for row in rows:
            entry, ref = row["entry"], row["ref_id"]
            if ref == later:
                continue
            if ref in EXCLUDED and not row["risk_refs"]:
                data: dict[str, Any] = {"applicable": False, "justification": EXCLUDED[ref]}
            else:
                data = {"applicable": True}
                if ref in LEGAL:
                    data.update(legal_regulatory=True, legal_reference=LEGAL[ref])
                if ref in CONTRACTUAL:
                    data.update(contractual=True, contractual_reference=CONTRACTUAL[ref])
                if not row["risk_refs"] and not (ref in LEGAL or ref in CONTRACTUAL):
                    data.update(business_requirement=True, business_reference=BUSINESS)
            services.entry_update(entry=entry, actor=owner, version=entry.version, **data)
        # Version 1 needs every row decided: decide the later one first, then change it.
        entry = next(r["entry"] for r in rows if r["ref_id"] == later)
        entry.refresh_from_db()
        services.entry_update(
            entry=entry,
            actor=owner,
            version=entry.version,
            applicable=True,
            business_requirement=True,
            business_reference="Outsourced development was planned for the customer portal.",
        )
        services.soa_approve(soa=soa, actor=owner, comment="Approved by the management review.")
        entry.refresh_from_db()
        services.entry_update(
            entry=entry,
            actor=owner,
            version=entry.version,
            applicable=False,
            justification=EXCLUDED[later],
        )


def demo_hook(*, organization: Any, owner: Any, colleagues: dict[str, Any], full: bool) -> None:
    if full:
        load_demo(organization=organization, owner=owner)
