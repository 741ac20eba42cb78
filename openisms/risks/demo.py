"""Demo content for the asset inventory and the risk register of a small manufacturer.

``load_demo`` writes only through the services (audited like any other change) and does
nothing when the organisation already has risks. Colleagues are matched to parts by their
role in the organisation (manager, contributor); missing roles fall back to the owner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from openisms.assets import services as asset_services
from openisms.assets.selectors import classification_list
from openisms.catalog.selectors import framework_get, node_list
from openisms.core.gate import scoped
from openisms.risks import services
from openisms.risks.models import Risk
from openisms.risks.selectors import methodology_current, threat_list

ISO_27001_2022 = "urn:openisms:framework:iso27001-2022"

# (key, name, type, owner role, classification, C, I, A, location, depends on, description)
ASSETS: list[tuple[str, str, str, str, str, int, int, int, str, tuple[str, ...], str]] = [
    ("customers", "Customer database", "information", "manager", "Confidential", 4, 4, 3,
     "Cloud hosting (Frankfurt region)", ("crm", "hosting"),
     "Names, addresses, order history and contract terms of about 4,000 business customers."),
    ("designs", "Product designs and CAD drawings", "information", "owner", "Restricted", 4, 3, 2,
     "Production file server", ("fileserver",),
     "Drawings, bills of materials and tooling data: the company's main intellectual property."),
    ("hr", "Employee HR records", "information", "owner", "Restricted", 4, 3, 2,
     "HR folder on the production file server", ("fileserver",),
     "Contracts, salaries, sick notes and appraisals of 180 employees."),
    ("finance", "Financial records and accounts", "information", "owner", "Confidential", 3, 4, 2,
     "ERP system", ("erp",), "Ledgers, invoices and payment runs."),
    ("contracts", "Supplier contracts", "information", "manager", "Internal", 3, 3, 1,
     "Contract folder in the office suite", ("office",), ""),
    ("erp", "ERP system", "software", "contributor", "Confidential", 3, 4, 4,
     "Production file server (on premises)", ("fileserver", "network"),
     "Orders, production planning, stock and accounting."),
    ("crm", "CRM system (SaaS)", "software", "manager", "Confidential", 3, 3, 3,
     "Vendor cloud", ("internet",), ""),
    ("office", "Office suite and e-mail (cloud)", "software", "contributor", "Internal", 3, 3, 3,
     "Vendor cloud", ("internet",), "E-mail, calendars and shared documents for all staff."),
    ("webshop", "Customer web shop", "software", "manager", "Internal", 2, 4, 4,
     "Cloud hosting", ("hosting", "payments"), "Spare-parts shop for existing customers."),
    ("backup", "Backup software", "software", "contributor", "Confidential", 4, 4, 3,
     "Secondary data room", ("fileserver",), "Nightly backups of the file server and ERP."),
    ("fileserver", "Production file server", "hardware", "contributor", "Confidential", 4, 4, 4,
     "Server room, head office", ("site",), ""),
    ("laptops", "Staff laptops", "hardware", "contributor", "Internal", 3, 2, 2,
     "Mobile", (), "About 90 laptops for office, sales and engineering staff."),
    ("plc", "Shop-floor PLC controllers", "hardware", "contributor", "Internal", 1, 4, 4,
     "Production hall", ("network",), "Controllers of the CNC and assembly lines."),
    ("network", "Core network switches and firewall", "hardware", "contributor", "Internal",
     2, 4, 4, "Server room, head office", ("site",), ""),
    ("internet", "Internet connectivity", "service", "contributor", "Public", 1, 2, 4,
     "Head office", (), "Primary fibre line with a 4G backup router."),
    ("hosting", "Cloud hosting (IaaS)", "service", "manager", "Confidential", 4, 4, 4,
     "Frankfurt region", ("hoster",), ""),
    ("payroll", "Payroll service", "service", "owner", "Restricted", 4, 4, 2,
     "Payroll bureau", ("hr",), "Monthly payroll run by an external bureau."),
    ("itops", "IT operations team", "people", "manager", "Internal", 3, 3, 4,
     "Head office", (), "Two administrators and one apprentice."),
    ("staff", "Sales and customer service staff", "people", "manager", "Internal", 2, 2, 3,
     "Head office and home offices", (), ""),
    ("site", "Head office and plant, Springfield", "site", "owner", "Internal", 2, 3, 4,
     "Springfield", (), "Offices, server room and production hall."),
    ("dataroom", "Secondary data room", "site", "contributor", "Internal", 3, 3, 3,
     "Warehouse building, 300 m from the server room", (), ""),
    ("msp", "Managed IT service provider", "supplier", "manager", "Internal", 3, 3, 3,
     "External", (), "Second-level support, patching of servers and firewall management."),
    ("hoster", "Cloud hosting provider", "supplier", "manager", "Internal", 4, 4, 4,
     "External", (), ""),
    ("payments", "Payment processor", "supplier", "owner", "Internal", 4, 4, 3,
     "External", (), "Card payments for the web shop (PCI DSS certified)."),
    ("o2c", "Order-to-cash process", "process", "manager", "Internal", 3, 4, 4,
     "", ("erp", "webshop", "customers"), "From customer order to payment received."),
    ("joiners", "Employee onboarding and offboarding", "process", "owner", "Internal", 3, 3, 2,
     "", ("hr",), "Accounts, badges and equipment for joiners, movers and leavers."),
    ("changes", "Change management process", "process", "contributor", "Internal", 2, 4, 3,
     "", ("erp",), ""),
]  # fmt: skip

Pair = tuple[int, int] | None


@dataclass(frozen=True)
class DemoRisk:
    title: str
    assets: tuple[str, ...]  # keys of ASSETS
    threat: str  # ref in the shipped threat catalog
    owner: str  # role of the risk owner
    inherent: Pair
    current: Pair
    target: Pair
    treatment: str
    requirements: tuple[str, ...]  # ISO/IEC 27001:2022 Annex A refs
    status: str
    actions: Sequence[tuple[str, int, str]] = ()  # (title, due in days from today, status)
    accept: tuple[str, str] | None = None  # (who: owner_of_risk | org_owner, justification)
    via_treated: bool = False  # reach the status through treatment_planned → treated


RISKS: list[DemoRisk] = [
    DemoRisk(title="Ransomware encrypts the file server and the ERP", assets=("fileserver", "erp", "backup"),
         threat="TH-26", owner="manager", inherent=(4, 4), current=(3, 4), target=(2, 3),
         treatment="modify", requirements=("A.8.7", "A.8.13", "A.8.8"), status="treatment_planned",
         actions=[("Deploy endpoint detection and response on all servers", 30, "in_progress"),
                  ("Keep an offline, immutable copy of the nightly backup", -14, "open"),
                  ("Test a full restore of the ERP", 60, "open")]),
    DemoRisk(title="Phishing leads to theft of e-mail account credentials", assets=("office", "staff"),
         threat="TH-20", owner="manager", inherent=(4, 3), current=(3, 3), target=(2, 2),
         treatment="modify", requirements=("A.6.3", "A.8.5", "A.5.17"), status="treatment_planned",
         actions=[("Enforce multi-factor authentication for every account", -7, "in_progress"),
                  ("Run a quarterly phishing simulation", 45, "open")]),
    DemoRisk(title="Leavers keep access to the customer database", assets=("customers", "joiners"),
         threat="TH-31", owner="owner", inherent=(3, 4), current=(2, 3), target=(1, 3),
         treatment="modify", requirements=("A.5.15", "A.5.18", "A.6.5"), status="treated",
         actions=[("Link HR leaver list to account deactivation", -40, "done")]),
    DemoRisk(title="Cloud hosting outage takes the web shop down", assets=("webshop", "hosting"),
         threat="TH-13", owner="manager", inherent=(3, 3), current=(2, 3), target=None,
         treatment="share", requirements=(), status="accepted",
         accept=("owner_of_risk", "Hosting SLA of 99.9% with service credits; the shop is not "
                 "critical for revenue and orders can be taken by phone.")),
    DemoRisk(title="Power failure at head office halts production", assets=("site", "plc"),
         threat="TH-10", owner="owner", inherent=(3, 3), current=(2, 2), target=None,
         treatment="modify", requirements=("A.7.11",), status="treated",
         actions=[("Install UPS for server room and line controllers", -60, "done")]),
    DemoRisk(title="Fire in the server room destroys servers and backups", assets=("site", "fileserver", "dataroom"),
         threat="TH-01", owner="contributor", inherent=(2, 4), current=(1, 4), target=None,
         treatment="modify", requirements=("A.7.5", "A.8.14"), status="analysed"),
    DemoRisk(title="Stolen laptop exposes product designs", assets=("laptops", "designs"),
         threat="TH-23", owner="contributor", inherent=(3, 3), current=(2, 3), target=(1, 2),
         treatment="modify", requirements=("A.8.1", "A.7.9", "A.8.24"), status="treatment_planned",
         actions=[("Enable full-disk encryption on the remaining 12 laptops", -21, "in_progress")]),
    DemoRisk(title="Insider copies CAD drawings for a competitor", assets=("designs",),
         threat="TH-21", owner="owner", inherent=(2, 4), current=(2, 4), target=(2, 3),
         treatment="modify", requirements=("A.8.12", "A.5.10", "A.8.15"), status="analysed"),
    DemoRisk(title="Managed IT service provider becomes insolvent", assets=("msp",),
         threat="TH-38", owner="manager", inherent=(2, 3), current=(2, 3), target=None,
         treatment="retain", requirements=(), status="accepted",
         accept=("owner_of_risk", "Credit check done in January; runbooks and admin credentials "
                 "are held by us, so another provider can take over within a week.")),
    DemoRisk(title="Breach at the payment processor exposes card data", assets=("payments", "webshop"),
         threat="TH-25", owner="owner", inherent=(2, 4), current=(1, 3), target=None,
         treatment="share", requirements=(), status="treated"),
    DemoRisk(title="Denial-of-service attack on the web shop", assets=("webshop",),
         threat="TH-35", owner="manager", inherent=(3, 2), current=(2, 2), target=(2, 1),
         treatment="share", requirements=(), status="treatment_planned",
         actions=[("Add the hosting provider's DDoS protection to the contract", 20, "open")]),
    DemoRisk(title="Attacker reaches the PLC controllers from the office network", assets=("plc", "network"),
         threat="TH-31", owner="contributor", inherent=(3, 4), current=(3, 4), target=(2, 3),
         treatment="modify", requirements=("A.8.8", "A.8.22", "A.8.20"), status="treatment_planned",
         actions=[("Segment the production network from the office network", -30, "in_progress"),
                  ("Inventory firmware versions of all controllers", 15, "open")]),
    DemoRisk(title="Loss of the only experienced IT administrator", assets=("itops", "erp"),
         threat="TH-37", owner="manager", inherent=(3, 3), current=(3, 3), target=None,
         treatment="retain", requirements=(), status="accepted",
         accept=("org_owner", "Board decision: accepted until the second administrator starts in "
                 "the third quarter; the managed service provider covers emergencies.")),
    DemoRisk(title="Failed ERP update corrupts order data", assets=("erp", "changes"),
         threat="TH-17", owner="contributor", inherent=(2, 3), current=(2, 2), target=(1, 2),
         treatment="modify", requirements=("A.8.32", "A.8.31"), status="treated"),
    DemoRisk(title="Misaddressed e-mail discloses HR data", assets=("hr", "office"),
         threat="TH-19", owner="owner", inherent=(3, 2), current=(3, 2), target=(2, 2),
         treatment="modify", requirements=("A.5.14", "A.8.12"), status="treatment_planned",
         actions=[("Turn on external-recipient warning and auto-complete limits", 10, "open")]),
    DemoRisk(title="HR records kept longer than the retention rules allow", assets=("hr",),
         threat="TH-39", owner="owner", inherent=(2, 3), current=(2, 2), target=None,
         treatment="modify", requirements=("A.5.34", "A.5.33"), status="analysed"),
    DemoRisk(title="Unsupported Windows PC controls the label printer", assets=("plc",),
         threat="TH-27", owner="contributor", inherent=(3, 3), current=(3, 3), target=(1, 1),
         treatment="avoid", requirements=(), status="treatment_planned",
         actions=[("Replace the PC with the printer vendor's network module", 14, "open")]),
    DemoRisk(title="Staff share drawings through consumer file-sharing services", assets=("designs", "staff"),
         threat="TH-25", owner="manager", inherent=(3, 3), current=(3, 2), target=None,
         treatment="avoid", requirements=(), status="treated"),
    DemoRisk(title="Internet outage stops order processing", assets=("internet", "o2c"),
         threat="TH-11", owner="contributor", inherent=(2, 3), current=(1, 3), target=None,
         treatment="modify", requirements=("A.8.14",), status="closed"),
    DemoRisk(title="Water leak damages the plant's network cabinet", assets=("network",),
         threat="TH-02", owner="contributor", inherent=(2, 2), current=(1, 2), target=None,
         treatment="retain", requirements=(), status="accepted",
         accept=("owner_of_risk", "Cabinet is raised and has a leak sensor; a spare switch is "
                 "in stock.")),
    DemoRisk(title="Visitors tailgate into the office area", assets=("site",),
         threat="TH-22", owner="contributor", inherent=(2, 2), current=(2, 1), target=None,
         treatment="retain", requirements=(), status="accepted",
         accept=("owner_of_risk", "Reception is staffed during office hours and servers are "
                 "behind a badge door.")),
    DemoRisk(title="Misconfigured cloud storage exposes customer data", assets=("hosting", "customers"),
         threat="TH-18", owner="manager", inherent=(3, 4), current=(2, 4), target=(1, 3),
         treatment="modify", requirements=("A.5.23", "A.8.9"), status="identified"),
    DemoRisk(title="Administrators misuse privileged accounts", assets=("erp", "fileserver", "itops"),
         threat="TH-32", owner="owner", inherent=(2, 4), current=(2, 3), target=(1, 3),
         treatment="modify", requirements=("A.8.2", "A.8.15", "A.8.16"), status="treatment_planned",
         actions=[("Separate admin accounts from everyday accounts", -3, "in_progress"),
                  ("Review privileged access every quarter", 90, "open")]),
    DemoRisk(title="Software licence audit finds under-licensing", assets=("office", "erp"),
         threat="TH-34", owner="manager", inherent=None, current=None, target=None,
         treatment="", requirements=(), status="identified"),
    DemoRisk(title="Pandemic keeps production staff at home", assets=("staff", "site"),
         threat="TH-08", owner="owner", inherent=(2, 3), current=(1, 3), target=None,
         treatment="retain", requirements=(), status="closed"),
    DemoRisk(title="Eavesdropping on the guest Wi-Fi", assets=("network",),
         threat="TH-24", owner="contributor", inherent=(2, 2), current=(1, 1), target=None,
         treatment="modify", requirements=("A.8.20", "A.8.21"), status="accepted",
         via_treated=True,
         accept=("owner_of_risk", "Guest network is isolated and rate-limited since the "
                 "firewall change; residual risk is low.")),
    DemoRisk(title="Unreviewed changes take the web shop offline", assets=("webshop", "changes"),
         threat="TH-40", owner="manager", inherent=(3, 3), current=(3, 2), target=(2, 2),
         treatment="modify", requirements=("A.8.32",), status="identified"),
    DemoRisk(title="Ransomware at the managed IT provider spreads to our network", assets=("msp", "network"),
         threat="TH-26", owner="manager", inherent=(2, 4), current=(2, 4), target=(1, 4),
         treatment="modify", requirements=("A.5.19", "A.5.21", "A.5.22"), status="analysed"),
    DemoRisk(title="Backup tapes lost in transport to the bank vault", assets=("backup",),
         threat="TH-23", owner="contributor", inherent=(2, 3), current=(1, 2), target=None,
         treatment="avoid", requirements=(), status="closed", via_treated=True),
    DemoRisk(title="Unclear security roles after the reorganisation", assets=("joiners", "changes"),
         threat="TH-42", owner="owner", inherent=(3, 2), current=(2, 2), target=(1, 2),
         treatment="modify", requirements=("A.5.2", "A.5.3"), status="treatment_planned",
         actions=[("Publish a RACI chart for ISMS roles", -3, "open")]),
    DemoRisk(title="Customer data stolen through an unpatched web shop plug-in",
         assets=("webshop", "customers"), threat="TH-31", owner="manager", inherent=(4, 4),
         current=(4, 3), target=(2, 3), treatment="modify",
         requirements=("A.8.8", "A.8.28", "A.8.26"), status="analysed"),
]  # fmt: skip

# The lifecycle path to each status (after the assessment).
PATHS = {
    "identified": [],
    "analysed": ["analysed"],
    "treatment_planned": ["analysed", "treatment_planned"],
    "treated": ["analysed", "treatment_planned", "treated"],
    "accepted": ["analysed", "accepted"],
    "closed": ["analysed", "closed"],
}


def _people(organization: Any, owner: Any, colleagues: dict[str, Any]) -> dict[str, Any]:
    """Role → person, from the colleagues' roles in the organisation; the owner otherwise."""
    from openisms.accounts.selectors import member_list

    ids = {u.pk for u in colleagues.values()}
    people = {"owner": owner}
    for m in member_list(organization=organization).filter(user_id__in=ids):
        if m.is_current():
            people.setdefault(m.role, m.user)
    people.setdefault("manager", owner)
    people.setdefault("contributor", people["manager"])
    return people


def _methodology(organization: Any, owner: Any) -> None:
    version = methodology_current(organization=organization)
    values = {e["value"] for e in version.definition["likelihood"]} if version else set()
    if version is None or values != {1, 2, 3, 4}:
        services.methodology_from_preset(organization=organization, actor=owner, preset="4x4")


def _requirements(organization: Any) -> dict[str, Any]:
    refs = {ref for r in RISKS for ref in r.requirements}
    try:
        framework = framework_get(organization=organization, urn=ISO_27001_2022)
    except Http404:
        return {}
    return {n.ref_id: n for n in node_list(framework=framework).filter(ref_id__in=refs)}


def _assets(organization: Any, owner: Any, people: dict[str, Any]) -> dict[str, Any]:
    levels = {lv.name: lv for lv in classification_list(organization=organization)}
    made: dict[str, Any] = {}
    for key, name, kind, role, cls, c, i, a, location, _deps, description in ASSETS:
        made[key] = asset_services.asset_create(
            organization=organization,
            actor=owner,
            name=name,
            type=kind,
            owner=people.get(role, owner),
            custodian=people["contributor"] if kind in ("software", "hardware") else None,
            classification=levels.get(cls),
            confidentiality=c,
            integrity=i,
            availability=a,
            location=location,
            description=description,
        )
    for key, *_rest, deps, _description in ASSETS:
        if deps:
            asset = made[key]
            asset_services.asset_update(
                asset=asset, actor=owner, version=asset.version, depends_on=[made[d] for d in deps]
            )
    return made


def _risk(
    spec: DemoRisk,
    *,
    organization: Any,
    owner: Any,
    people: dict[str, Any],
    assets: dict[str, Any],
    threats: dict[str, Any],
    requirements: dict[str, Any],
) -> Risk:
    today = timezone.localdate()
    risk_owner = people.get(spec.owner, owner)
    risk = services.risk_create(
        organization=organization,
        actor=owner,
        title=spec.title,
        owner=risk_owner,
        threat=threats.get(spec.threat),
        assets=[assets[k] for k in spec.assets],
    )
    if spec.current:
        services.risk_assess(
            risk=risk,
            actor=owner,
            version=risk.version,
            inherent=spec.inherent,
            current=spec.current,
            target=spec.target,
        )
    if spec.treatment:
        services.risk_set_treatment(
            risk=risk,
            actor=owner,
            version=risk.version,
            option=spec.treatment,
            requirements=[requirements[r] for r in spec.requirements if r in requirements],
        )
    for title, days, status in spec.actions:
        action = services.action_create(
            risk=risk,
            actor=owner,
            title=title,
            owner=risk_owner,
            due_date=today + dt.timedelta(days=days),
        )
        if status != "open":
            services.action_update(
                action=action, actor=owner, version=action.version, status=status
            )
    path = PATHS[spec.status]
    if spec.via_treated:
        path = ["analysed", "treatment_planned", "treated", path[-1]]
    for to in path:
        if to == "accepted":
            assert spec.accept is not None
            who, text = spec.accept
            services.risk_accept(
                risk=risk, actor=owner if who == "org_owner" else risk_owner, justification=text
            )
        services.risk_transition(risk=risk, actor=owner, to=to, version=risk.version)
    return risk


def load_demo(*, organization: Any, owner: Any, colleagues: dict[str, Any]) -> None:
    """A realistic inventory and register (idempotent: nothing when risks already exist)."""
    if scoped(Risk, organization).exists():
        return
    with transaction.atomic():
        people = _people(organization, owner, colleagues)
        _methodology(organization, owner)
        asset_services.classification_ensure_default(organization=organization, actor=owner)
        assets = _assets(organization, owner, people)
        threats = {t.ref: t for t in threat_list(organization=organization)}
        requirements = _requirements(organization)
        for spec in RISKS:
            _risk(
                spec,
                organization=organization,
                owner=owner,
                people=people,
                assets=assets,
                threats=threats,
                requirements=requirements,
            )
        year = timezone.localdate().year
        run = services.run_start(
            organization=organization,
            actor=owner,
            name=f"{year} annual risk assessment",
            scope="All sites, systems and suppliers in the ISMS scope.",
            participants=", ".join(sorted({str(p) for p in people.values()})),
        )
        services.run_complete(run=run, actor=owner, version=run.version)


def demo_hook(*, organization: Any, owner: Any, colleagues: dict[str, Any], full: bool) -> None:
    """``openisms demo``: the showcase organisation gets the realistic register."""
    if full:
        load_demo(organization=organization, owner=owner, colleagues=colleagues)
