"""Demo content for the context of the organisation: issues, interested parties and their
obligations (linked to the demo controls and to Annex A), and an approved scope v1. Written
through the services; idempotent (nothing when the organisation already has issues)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from openisms.assets.models import Asset
from openisms.catalog.models import RequirementNode
from openisms.controls.models import Control
from openisms.core.gate import scoped
from openisms.governance import services
from openisms.governance.models import ContextIssue

ISO_27001_2022 = "urn:openisms:framework:iso27001-2022"

# (title, side, category, owner role, review in days (negative: overdue), description, effect)
ISSUES: list[tuple[str, str, str, str, int, str, str]] = [
    ("Customers demand ISO 27001 certification", "external", "economic", "owner", 120,
     "Two of the three largest automotive customers require certification (or TISAX) from their suppliers by next year.",
     "Drives the ISMS programme and its timeline; the scope must cover the customer-facing processes."),
    ("NIS2 transposition", "external", "legal", "manager", 60,
     "As a manufacturer of machinery parts with more than 50 staff, the company is likely an 'important entity' under the national NIS2 law.",
     "Adds incident reporting deadlines and management accountability; the risk methodology and incident process must reflect them."),
    ("Ransomware targeting manufacturers", "external", "technological", "manager", 90,
     "Industry reports show mid-sized manufacturers are a frequent ransomware target; several peers were hit last year.",
     "Backup, restore and network segmentation controls are priorities; shop-floor downtime is the main impact."),
    ("Skilled IT staff shortage", "external", "social", "owner", -15,
     "The regional labour market for IT and security staff is tight; salaries are rising.",
     "The ISMS relies on a small IT team and a managed service provider; supplier management matters."),
    ("Energy prices and cost pressure", "external", "economic", "owner", 200,
     "Energy costs and customer price pressure squeeze the security budget.",
     "Controls must be proportionate; investments are prioritised by risk."),
    ("Small IT team", "internal", "organisational", "manager", 150,
     "Two IT staff cover the office, the ERP and the shop floor.",
     "Responsibilities for ISMS tasks must be explicit; automation preferred over manual checks."),
    ("Legacy shop-floor systems", "internal", "technological", "contributor", 30,
     "CNC and PLC controllers run unsupported operating systems that cannot be patched.",
     "Compensating controls (segmentation, monitoring) instead of patching for the production network."),
    ("Security culture in production", "internal", "organisational", "manager", -5,
     "Shop-floor staff share accounts on terminals; awareness training reaches office staff more than production.",
     "The awareness programme must include production shifts; shared accounts are a nonconformity risk."),
]  # fmt: skip

# (key, name, side, owner role, description, expectations)
PARTIES: list[tuple[str, str, str, str, str, str]] = [
    ("customers", "Automotive customers", "external", "owner",
     "OEMs and tier-1 suppliers buying machined parts.",
     "Protection of their drawings and specifications; certification; notification of incidents within 24 hours."),
    ("authorities", "Data protection authority and national cyber agency", "external", "manager",
     "Supervisory authorities for personal data and (NIS2) cybersecurity.",
     "Compliance with GDPR and the national NIS2 law; timely breach and incident notification."),
    ("staff", "Employees", "internal", "owner",
     "About 180 staff in office and production.",
     "Privacy of their HR data; clear rules; working systems."),
    ("management", "Managing director and shareholders", "internal", "owner",
     "The company's top management.",
     "Business continuity, customer trust, cost-effective security."),
    ("payment", "Payment processor", "external", "manager",
     "Processes card payments of the spare-parts web shop.",
     "PCI DSS compliance of the merchant's web shop (self-assessment questionnaire)."),
    ("insurer", "Cyber insurer", "external", "owner",
     "Provides the cyber insurance policy.",
     "MFA, offline backups and an incident response plan as conditions of cover."),
]  # fmt: skip

# (title, party key, kind, owner role, source, addressed, control names, Annex A refs, review days, description)
OBLIGATIONS: list[tuple[str, str, str, str, str, bool, tuple[str, ...], tuple[str, ...], int, str]] = [
    ("GDPR: security of processing", "authorities", "legal", "owner", "GDPR Art. 32", True,
     ("Data protection and privacy", "Cryptography and encryption", "Identity and access management"),
     ("A.5.34", "A.8.24"), 180,
     "Appropriate technical and organisational measures for personal data of staff and customers."),
    ("GDPR: personal data breach notification", "authorities", "legal", "manager", "GDPR Art. 33–34", True,
     ("Incident management",), ("A.5.24", "A.5.26"), 180,
     "Notify the authority within 72 hours of becoming aware of a personal data breach."),
    ("NIS2: cybersecurity risk-management measures", "authorities", "regulatory", "manager",
     "NIS2 Directive Art. 21 (national transposition)", True,
     ("Business continuity for IT", "Supplier security management", "Multi-factor authentication"),
     ("A.5.29", "A.5.30", "A.5.19"), 90,
     "Risk analysis, incident handling, business continuity, supply chain security, MFA."),
    ("NIS2: incident reporting", "authorities", "regulatory", "manager",
     "NIS2 Directive Art. 23", False, (), ("A.5.24", "A.6.8"), 60,
     "Early warning within 24 hours and notification within 72 hours of significant incidents; reporting channel to be set up."),
    ("Customer NDA and security annex", "customers", "contractual", "owner",
     "Framework supply agreement §14 and security annex", True,
     ("Identity and access management", "Physical access control"), ("A.5.14", "A.5.12"), 365,
     "Customer drawings classified and shared only with named staff; transfer only through the customer portal."),
    ("Customer incident notification within 24 hours", "customers", "contractual", "manager",
     "Security annex §3.2", True, ("Incident management",), ("A.5.24",), 365,
     "Notify the customer of any incident affecting their data within 24 hours."),
    ("PCI DSS for the web shop", "payment", "contractual", "manager",
     "Merchant agreement §7; PCI DSS v4.0 SAQ A", True,
     ("Patch and vulnerability management", "Secure configuration baseline"), ("A.8.8", "A.8.9"), 120,
     "Annual self-assessment questionnaire; card data handled only by the processor's hosted page."),
    ("Cyber insurance conditions", "insurer", "contractual", "owner", "Policy schedule, section 5", True,
     ("Multi-factor authentication", "Backup and restore", "Incident management"),
     ("A.8.5", "A.8.13"), -10,
     "MFA for remote access and e-mail, offline backups tested yearly, documented incident response plan."),
]  # fmt: skip

SCOPE_TEXT = (
    "The information security management system of Demo Manufacturing Ltd covers the design, "
    "manufacture and sale of machined parts and the spare-parts web shop, including the "
    "information, systems and people supporting them at the head office and plant in Springfield "
    "and the secondary data room."
)
SCOPE_BOUNDARIES = (
    "Organisational: all departments at the Springfield site. Physical: head office, production "
    "hall, server room, secondary data room. Technological: office network, production network, "
    "ERP, CRM, office suite, web shop."
)
SCOPE_INTERFACES = (
    "Managed IT service provider (servers, firewall, patching); cloud hosting provider (web "
    "shop); payment processor (card payments); payroll bureau (payroll). Their own ISMS is out "
    "of scope; the interfaces are governed by contracts and supplier reviews."
)
SCOPE_EXCLUSIONS = "The sales office abroad (two staff, using only cloud services) is excluded."
SCOPE_ASSET_TYPES = ("site", "process")
SCOPE_ASSET_NAMES = (
    "Customer database",
    "Product designs and CAD drawings",
    "ERP system",
    "Customer web shop",
    "Production file server",
)


def load_demo(*, organization: Any, owner: Any, colleagues: dict[str, Any]) -> None:
    if scoped(ContextIssue, organization).exists():
        return
    today = timezone.localdate()
    people = {"owner": owner, **{k: v for k, v in colleagues.items() if v is not None}}
    annex = {
        n.ref_id: n
        for n in RequirementNode.objects.filter(framework__urn=ISO_27001_2022, kind="control")
    }
    controls = {c.name: c for c in scoped(Control, organization)}
    with transaction.atomic():
        for title, side, category, role, review, description, effect in ISSUES:
            services.issue_create(
                organization=organization,
                actor=owner,
                title=title,
                side=side,
                category=category,
                owner=people.get(role, owner),
                review_date=today + dt.timedelta(days=review),
                description=description,
                effect=effect,
            )
        parties = {}
        for key, name, side, role, description, expectations in PARTIES:
            parties[key] = services.party_create(
                organization=organization,
                actor=owner,
                name=name,
                side=side,
                owner=people.get(role, owner),
                description=description,
                expectations=expectations,
            )
        for (
            title,
            party,
            kind,
            role,
            source,
            addressed,
            names,
            refs,
            review,
            description,
        ) in OBLIGATIONS:
            services.obligation_create(
                organization=organization,
                actor=owner,
                title=title,
                party=parties[party],
                kind=kind,
                owner=people.get(role, owner),
                source_reference=source,
                addressed_by_isms=addressed,
                review_date=today + dt.timedelta(days=review),
                description=description,
                controls=[controls[n] for n in names if n in controls],
                requirements=[annex[r] for r in refs if r in annex],
            )
        scope = services.scope_get_or_create(organization=organization, actor=owner)
        assets = list(
            scoped(Asset, organization).filter(type__in=SCOPE_ASSET_TYPES)
            | scoped(Asset, organization).filter(name__in=SCOPE_ASSET_NAMES)
        )
        services.scope_update(
            scope=scope,
            actor=owner,
            version=scope.version,
            text=SCOPE_TEXT,
            boundaries=SCOPE_BOUNDARIES,
            interfaces=SCOPE_INTERFACES,
            exclusions=SCOPE_EXCLUSIONS,
            assets=assets,
        )
        services.scope_approve(
            scope=scope, actor=owner, comment="Approved by the managing director."
        )


def demo_hook(*, organization: Any, owner: Any, colleagues: dict[str, Any], full: bool) -> None:
    if full:
        load_demo(organization=organization, owner=owner, colleagues=colleagues)
