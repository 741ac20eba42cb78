"""Writes for risk management: methodology versions, the register, treatment, acceptance,
lifecycle transitions and assessment runs. UI, API and CLI all call these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.assets.services import check_member
from openisms.core.gate import require
from openisms.core.refs import next_ref, reserve_ref
from openisms.core.services import (
    record_create,
    record_delete,
    record_event,
    record_m2m,
    record_update,
)
from openisms.risks import methodology as method_mod
from openisms.risks.choices import TRANSITIONS, RiskStatus, RunStatus, TreatmentOption
from openisms.risks.models import (
    AssessmentResult,
    AssessmentRun,
    Methodology,
    MethodologyVersion,
    Risk,
    RiskAcceptance,
    Threat,
    TreatmentAction,
    Vulnerability,
)

THREATS_FILE = Path(__file__).resolve().parent / "content" / "threats.yaml"
RISK_FIELDS = {
    "ref",
    "title",
    "description",
    "kind",
    "owner",
    "threat",
    "vulnerability",
    "affects_confidentiality",
    "affects_integrity",
    "affects_availability",
    "existing_controls",
    "treatment_option",
    "treatment_description",
    "next_review",
}


# --- methodology ------------------------------------------------------------------------------


def methodology_set(
    *, organization: Any, actor: Any, definition: dict[str, Any], name: str | None = None
) -> MethodologyVersion:
    """Validate and store a new version of the organisation's methodology (the first one
    creates it). Earlier versions stay as they were; results keep the version they used."""
    require(actor, "risks.manage_methodology", organization)
    clean = method_mod.validate(definition)
    with transaction.atomic():
        methodology = (
            Methodology.objects.select_for_update().filter(organization=organization).first()
        )
        if methodology is None:
            methodology = record_create(
                Methodology(organization=organization, name=name or _("Risk methodology")),
                actor=actor,
            )
            number = 1
        else:
            number = methodology.versions.count() + 1
            if methodology.current and methodology.current.definition == clean and not name:
                return methodology.current
        version = MethodologyVersion.objects.create(
            organization=organization,
            methodology=methodology,
            number=number,
            definition=clean,
            created_by=actor,
        )
        data: dict[str, Any] = {"current": version}
        if name:
            data["name"] = name
        record_update(methodology, actor=actor, data=data, action="methodology.version")
    return version


def methodology_from_preset(*, organization: Any, actor: Any, preset: str) -> MethodologyVersion:
    presets = method_mod.presets()
    if preset not in presets:
        raise ValidationError(
            {
                "preset": _("Unknown preset “%(p)s” (one of: %(all)s).")
                % {"p": preset, "all": ", ".join(presets)}
            }
        )
    p = presets[preset]
    return methodology_set(
        organization=organization, actor=actor, definition=p["definition"], name=p["name"]
    )


def current_method(organization: Any) -> tuple[MethodologyVersion, method_mod.Method]:
    methodology = (
        Methodology.objects.select_related("current").filter(organization=organization).first()
    )
    if methodology is None or methodology.current is None:
        raise ValidationError(_("Define the risk methodology first (Risk method page)."))
    return methodology.current, method_mod.Method(methodology.current.definition)


# --- threats and vulnerabilities ---------------------------------------------------------------


def load_threat_catalog() -> int:
    """The shipped threat catalog (global, read-only); idempotent."""
    data = yaml.safe_load(THREATS_FILE.read_text(encoding="utf-8"))["threats"]
    existing = {t.ref: t for t in Threat.objects.filter(organization__isnull=True)}
    with transaction.atomic():
        for row in data:
            values = {
                "name": row["name"],
                "category": row["category"],
                "description": row["description"],
                "origin": row["origin"],
                "affects": row["affects"],
            }
            threat = existing.get(row["ref"])
            if threat is None:
                Threat.objects.create(ref=row["ref"], **values)
            elif any(getattr(threat, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(threat, k, v)
                threat.save()
    return len(data)


def threat_create(
    *, organization: Any, actor: Any, name: str, category: str, description: str = ""
) -> Threat:
    require(actor, "risks.change_risk", organization)
    return record_create(
        Threat(
            organization=organization,
            ref=next_ref(organization, "T"),
            name=name,
            category=category,
            description=description,
        ),
        actor=actor,
    )


def vulnerability_create(
    *, organization: Any, actor: Any, name: str, description: str = ""
) -> Vulnerability:
    require(actor, "risks.change_risk", organization)
    return record_create(
        Vulnerability(
            organization=organization,
            ref=next_ref(organization, "V"),
            name=name,
            description=description,
        ),
        actor=actor,
    )


THREAT_FIELDS = {"name", "category", "description"}
VULNERABILITY_FIELDS = {"name", "description"}
USED_BY_SHOWN = 10


def ensure_own_threat(threat: Threat) -> None:
    """Refuse a change to a threat of the shipped catalogue (read-only for everyone)."""
    if threat.organization_id is None:
        raise ValidationError(
            _(
                "%(threat)s is part of the shipped threat catalogue and cannot be changed or "
                "deleted; add your own threat instead."
            )
            % {"threat": threat}
        )


def _check_fields(data: Mapping[str, Any], allowed: set[str]) -> None:
    if "ref" in data:
        raise ValidationError({"ref": _("A reference never changes.")})
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def _refuse_if_used(obj: Threat | Vulnerability, field: str) -> None:
    """Risks point at threats and vulnerabilities (PROTECT): name the risks that use ``obj``."""
    used = Risk.objects.filter(**{field: obj}).order_by("ref")
    refs = list(used.values_list("ref", flat=True)[: USED_BY_SHOWN + 1])
    if not refs:
        return
    shown = ", ".join(refs[:USED_BY_SHOWN])
    if len(refs) > USED_BY_SHOWN:
        more = used.count() - USED_BY_SHOWN
        shown = _("%(refs)s and %(n)d more") % {"refs": shown, "n": more}
    raise ValidationError(
        _("%(obj)s is used by risks %(refs)s; choose another %(kind)s for them first.")
        % {
            "obj": obj,
            "refs": shown,
            "kind": _("threat") if field == "threat" else _("vulnerability"),
        }
    )


def _delete_unused(
    obj: Threat | Vulnerability,
    *,
    field: str,
    actor: Any,
    version: int | None,
    if_match: bool,
) -> None:
    with transaction.atomic():
        _refuse_if_used(obj, field)
        try:
            record_delete(obj, actor=actor, expected_version=version, if_match=if_match)
        except ProtectedError as exc:  # a risk started to use it since the check above
            _refuse_if_used(obj, field)
            raise ValidationError(_("%s is in use; reload the page and try again.") % obj) from exc


def threat_update(
    *, threat: Threat, actor: Any, version: int | None, if_match: bool = False, **data: Any
) -> Threat:
    """Change an own threat's name, category or description (never a shipped one)."""
    ensure_own_threat(threat)
    require(actor, "risks.change_risk", threat)
    _check_fields(data, THREAT_FIELDS)
    return record_update(
        threat, actor=actor, data=data, expected_version=version, if_match=if_match
    )


def threat_delete(
    *, threat: Threat, actor: Any, version: int | None = None, if_match: bool = False
) -> None:
    """Delete an own threat that no risk uses (a shipped one is never deleted)."""
    ensure_own_threat(threat)
    require(actor, "risks.change_risk", threat)
    _delete_unused(threat, field="threat", actor=actor, version=version, if_match=if_match)


def vulnerability_update(
    *,
    vulnerability: Vulnerability,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    **data: Any,
) -> Vulnerability:
    require(actor, "risks.change_risk", vulnerability)
    _check_fields(data, VULNERABILITY_FIELDS)
    return record_update(
        vulnerability, actor=actor, data=data, expected_version=version, if_match=if_match
    )


def vulnerability_delete(
    *, vulnerability: Vulnerability, actor: Any, version: int | None = None, if_match: bool = False
) -> None:
    """Delete a vulnerability that no risk uses."""
    require(actor, "risks.change_risk", vulnerability)
    _delete_unused(
        vulnerability, field="vulnerability", actor=actor, version=version, if_match=if_match
    )


# --- risks ------------------------------------------------------------------------------------------


def _check_risk_refs(organization: Any, data: dict[str, Any]) -> None:
    unknown = set(data) - RISK_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    check_member(organization, data.get("owner"), "owner")
    threat = data.get("threat")
    if threat is not None and threat.organization_id not in (None, organization.pk):
        raise ValidationError({"threat": _("Unknown threat.")})
    vuln = data.get("vulnerability")
    if vuln is not None and vuln.organization_id != organization.pk:
        raise ValidationError({"vulnerability": _("Unknown vulnerability.")})


def _set_assets(risk: Risk, *, actor: Any, assets: list[Any] | None) -> None:
    if assets is None:
        return
    if any(a.organization_id != risk.organization_id for a in assets):
        raise ValidationError({"assets": _("Unknown asset.")})
    record_m2m(risk, actor=actor, field="assets", ids=[a.pk for a in assets])


def risk_create(
    *, organization: Any, actor: Any, assets: list[Any] | None = None, **data: Any
) -> Risk:
    require(actor, "risks.change_risk", organization)
    _check_risk_refs(organization, data)
    with transaction.atomic():
        ref = (data.pop("ref", "") or "").strip()
        if ref:
            if Risk.objects.filter(organization=organization, ref=ref).exists():
                raise ValidationError({"ref": _("Risk %s already exists.") % ref})
            reserve_ref(organization, "R", ref)
        else:
            ref = next_ref(organization, "R")
        risk = Risk(organization=organization, ref=ref, **data)
        if risk.owner_id is None and actor is not None:
            risk.owner = actor
        require(actor, "risks.change_risk", risk)  # a contributor registers risks they own
        record_create(risk, actor=actor)
        _set_assets(risk, actor=actor, assets=assets)
    return risk


def risk_update(
    *,
    risk: Risk,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    assets: list[Any] | None = None,
    **data: Any,
) -> Risk:
    require(actor, "risks.change_risk", risk)
    _check_risk_refs(risk.organization, data)
    if "ref" in data and data.pop("ref") != risk.ref:
        raise ValidationError({"ref": _("A reference never changes.")})
    with transaction.atomic():
        record_update(risk, actor=actor, data=data, expected_version=version, if_match=if_match)
        _set_assets(risk, actor=actor, assets=assets)
    return risk


Pair = tuple[int, int | Mapping[str, int]] | None

CIA_KEYS = ("c", "i", "a")


def _consequence(method: Any, name: str, given: Any) -> tuple[int, dict[str, int] | None]:
    """The consequence of one assessment: a value on the scale, or — when the method judges
    per C/I/A (cia_rule "max") — a non-empty {c, i, a} subset whose highest value counts."""
    field = f"{name}_consequence"
    if not isinstance(given, Mapping):
        if method.c_index.get(given) is None:
            raise ValidationError({field: _("%s is not on the consequence scale.") % given})
        return given, None
    if method.d.get("cia_rule", "max") != "max":
        raise ValidationError({field: _("This method judges one consequence, not per C/I/A.")})
    by_cia = {k: v for k, v in given.items() if v is not None}
    if not by_cia or set(by_cia) - set(CIA_KEYS):
        raise ValidationError(
            {field: _("Give the consequence for confidentiality, integrity or availability.")}
        )
    for value in by_cia.values():
        if isinstance(value, bool) or method.c_index.get(value) is None:
            raise ValidationError({field: _("%s is not on the consequence scale.") % value})
    ordered = {k: int(by_cia[k]) for k in CIA_KEYS if k in by_cia}
    return max(ordered.values(), key=lambda v: method.c_index[v]), ordered


def risk_assess(
    *,
    risk: Risk,
    actor: Any,
    version: int | None,
    inherent: Pair = None,
    current: Pair = None,
    target: Pair = None,
    if_match: bool = False,
) -> Risk:
    """Record likelihood × consequence for inherent, current and target; the levels come from
    the organisation's current methodology version, which the risk keeps. A consequence may be
    given per C/I/A ({"c": 3, "i": 2, "a": 4}) when the method's cia_rule is "max": the
    highest counts, and the values are kept in consequence_by_cia."""
    require(actor, "risks.change_risk", risk)
    method_version, method = current_method(risk.organization)
    data: dict[str, Any] = {"methodology_version": method_version, "assessed_at": timezone.now()}
    by_cia_all = dict(risk.consequence_by_cia or {})
    for name, pair in (("inherent", inherent), ("current", current), ("target", target)):
        if pair is None:
            continue
        likelihood, given = pair
        if method.l_index.get(likelihood) is None:
            raise ValidationError(
                {f"{name}_likelihood": _("%s is not on the likelihood scale.") % likelihood}
            )
        consequence, by_cia = _consequence(method, name, given)
        if by_cia is None:
            by_cia_all.pop(name, None)
        else:
            by_cia_all[name] = by_cia
        data[f"{name}_likelihood"] = likelihood
        data[f"{name}_consequence"] = consequence
        data[f"{name}_level"] = method.level(likelihood, consequence)
    if by_cia_all != (risk.consequence_by_cia or {}):
        data["consequence_by_cia"] = by_cia_all
    if "current_level" in data:
        data["current_level_order"] = method.order(data["current_level"])
    data["next_review"] = timezone.localdate() + dt.timedelta(days=method.d["risk_review_days"])
    return record_update(
        risk,
        actor=actor,
        data=data,
        expected_version=version,
        if_match=if_match,
        action="risk.assess",
    )


def risk_set_treatment(
    *,
    risk: Risk,
    actor: Any,
    version: int | None,
    option: str,
    description: str = "",
    requirements: list[Any] | None = None,
    if_match: bool = False,
) -> Risk:
    require(actor, "risks.change_risk", risk)
    if option not in TreatmentOption.values:
        raise ValidationError({"treatment_option": _("Unknown treatment “%s”.") % option})
    with transaction.atomic():
        record_update(
            risk,
            actor=actor,
            data={"treatment_option": option, "treatment_description": description},
            expected_version=version,
            if_match=if_match,
            action="risk.treatment",
        )
        if requirements is not None:
            record_m2m(
                risk, actor=actor, field="annex_a_controls", ids=[r.pk for r in requirements]
            )
    return risk


def _may_move(actor: Any, risk: Risk) -> bool:
    """Only the risk owner or a manager (or owner) of the organisation moves a risk."""
    return risk.owner_id == getattr(actor, "pk", None) or actor.has_perm(
        "risks.manage_methodology", risk.organization
    )


def risk_transition(
    *, risk: Risk, actor: Any, to: str, version: int | None, if_match: bool = False
) -> Risk:
    require(actor, "risks.view_risk", risk)
    if not _may_move(actor, risk):
        raise PermissionDenied(_("Only the risk owner or a manager changes a risk's status."))
    if to not in TRANSITIONS.get(risk.status, ()):
        raise ValidationError(
            {
                "status": _("A risk cannot go from %(a)s to %(b)s.")
                % {"a": RiskStatus(risk.status).label, "b": to}
            }
        )
    if to == RiskStatus.ANALYSED and not risk.current_level:
        raise ValidationError(
            {"status": _("Assess the risk (current level) before marking it analysed.")}
        )
    if to == RiskStatus.TREATMENT_PLANNED and not risk.treatment_option:
        raise ValidationError({"status": _("Choose a treatment before planning it.")})
    if to == RiskStatus.ACCEPTED and not acceptance_valid(risk):
        raise ValidationError({"status": _("Record a valid acceptance first.")})
    return record_update(
        risk,
        actor=actor,
        data={"status": to},
        expected_version=version,
        if_match=if_match,
        action="risk.transition",
    )


# --- acceptance --------------------------------------------------------------------------------------


def acceptance_valid(risk: Risk) -> RiskAcceptance | None:
    latest = risk.acceptances.order_by("-accepted_at").first()
    if latest is None or latest.valid_until < timezone.localdate():
        return None
    return latest


def risk_accept(
    *, risk: Risk, actor: Any, justification: str, valid_until: dt.date | None = None
) -> RiskAcceptance:
    """Accept the residual (current) risk. Within the appetite the risk owner may accept; above
    it only the organisation role the methodology names. Acceptances are never edited."""
    require(actor, "risks.view_risk", risk)
    method_version, method = current_method(risk.organization)
    if not risk.current_level:
        raise ValidationError(_("Assess the risk before accepting it."))
    if len(justification.strip()) < 10:
        raise ValidationError(
            {"justification": _("Say why the risk is acceptable (a sentence at least).")}
        )
    within = method.within_appetite(risk.current_level)
    role_perm = "risks.manage_methodology"  # manager or owner
    required_role = method.d["acceptance_role_above_threshold"]
    if within:
        allowed = risk.owner_id == actor.pk or actor.has_perm(role_perm, risk.organization)
    elif required_role == "owner":
        allowed = actor.has_perm(
            "accounts.manage_members", risk.organization
        )  # organisation owners
    else:
        allowed = actor.has_perm(role_perm, risk.organization)
    if not allowed:
        raise PermissionDenied(
            _("Within the appetite the risk owner accepts; above it, the organisation's %s.")
            % required_role
            if not within
            else _("Only the risk owner or a manager accepts this risk.")
        )
    today = timezone.localdate()
    valid_until = valid_until or today + dt.timedelta(days=method.d["acceptance_review_days"])
    if valid_until <= today:
        raise ValidationError({"valid_until": _("The acceptance must be valid after today.")})
    with transaction.atomic():
        acceptance = record_create(
            RiskAcceptance(
                organization=risk.organization,
                risk=risk,
                accepted_by=actor,
                justification=justification.strip(),
                valid_until=valid_until,
                level=risk.current_level,
                methodology_version=method_version,
            ),
            actor=actor,
            action="risk.accept",
        )
    return acceptance


# --- treatment plan actions -----------------------------------------------------------------------


def action_create(
    *, risk: Risk, actor: Any, title: str, owner: Any = None, due_date: dt.date | None = None
) -> TreatmentAction:
    require(actor, "risks.change_risk", risk)
    check_member(risk.organization, owner, "owner")
    return record_create(
        TreatmentAction(
            organization=risk.organization, risk=risk, title=title, owner=owner, due_date=due_date
        ),
        actor=actor,
    )


def action_update(
    *, action: TreatmentAction, actor: Any, version: int | None, if_match: bool = False, **data: Any
) -> TreatmentAction:
    require(actor, "risks.change_risk", action.risk)
    allowed = {"title", "owner", "due_date", "status", "progress_note"}
    if set(data) - allowed:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(set(data) - allowed)))
    check_member(action.organization, data.get("owner"), "owner")
    return record_update(
        action, actor=actor, data=data, expected_version=version, if_match=if_match
    )


def action_delete(*, action: TreatmentAction, actor: Any) -> None:
    require(actor, "risks.change_risk", action.risk)
    record_delete(action, actor=actor)


# --- assessment runs ------------------------------------------------------------------------------


def run_start(
    *, organization: Any, actor: Any, name: str, scope: str = "", participants: str = ""
) -> AssessmentRun:
    require(actor, "risks.manage_methodology", organization)
    method_version, _m = current_method(organization)
    return record_create(
        AssessmentRun(
            organization=organization,
            name=name,
            scope=scope,
            participants=participants,
            methodology_version=method_version,
        ),
        actor=actor,
    )


def run_complete(*, run: AssessmentRun, actor: Any, version: int | None) -> AssessmentRun:
    """Freeze every open risk's result into the run."""
    require(actor, "risks.manage_methodology", run)
    if run.status == RunStatus.COMPLETED:
        raise ValidationError(_("This assessment is already completed."))
    with transaction.atomic():
        record_update(
            run,
            actor=actor,
            data={"status": RunStatus.COMPLETED, "completed_at": timezone.now()},
            expected_version=version,
            action="assessment.complete",
        )
        rows = (
            Risk.objects.filter(organization=run.organization)
            .exclude(status=RiskStatus.CLOSED)
            .select_related("owner")
        )
        AssessmentResult.objects.bulk_create(
            [
                AssessmentResult(
                    organization=run.organization,
                    run=run,
                    risk=r,
                    ref=r.ref,
                    title=r.title[:300],
                    status=r.status,
                    owner_label=r.owner.email if r.owner else "",
                    inherent_level=r.inherent_level,
                    current_level=r.current_level,
                    target_level=r.target_level,
                    treatment_option=r.treatment_option,
                )
                for r in rows.iterator(chunk_size=2000)
            ],
            batch_size=1000,
        )
        record_event(
            instance=run,
            actor=actor,
            action="assessment.frozen",
            changes={"results": run.results.count()},
        )
    return run
