"""Writes for the audit programme, audits, their checklists and lifecycle. Every write goes
through ``openisms.core.services`` (validation, optimistic locking, audit trail).

The checklist follows the criteria: setting them creates the missing items (catalogue order)
and removes the items of dropped criteria, refusing to drop one that has a result. An audit
moves planned → in progress → reported → closed (or cancelled before it is reported); a closed
audit is a record and is no longer edited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.assets.services import check_member
from openisms.audits.choices import (
    EDITABLE,
    NC_SEVERITY,
    TRANSITIONS,
    AuditStatus,
    ItemResult,
)
from openisms.audits.models import Audit, AuditItem, AuditProgramme
from openisms.audits.selectors import audit_frameworks, impartiality_conflicts
from openisms.catalog.models import RequirementNode
from openisms.controls.models import Evidence
from openisms.controls.services import check_requirements
from openisms.core.gate import require
from openisms.core.refs import next_ref
from openisms.core.services import (
    record_create,
    record_create_many,
    record_delete,
    record_m2m,
    record_update,
)

VIEW = "audits.view_audit"
MANAGE = "audits.manage_audits"
RECORD = "audits.record_finding"

PROGRAMME_FIELDS = {"title", "period_start", "period_end", "objectives", "owner", "notes"}
AUDIT_FIELDS = {
    "title",
    "programme",
    "scope",
    "objectives",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "lead_auditor",
    "impartiality_statement",
    "conclusion",
}
ITEM_FIELDS = {"result", "finding", "sampling_notes", "question"}
SHOWN = 5  # how many refs a refusal names


def _check_fields(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def _names(refs: list[str]) -> str:
    shown = ", ".join(refs[:SHOWN])
    return shown + (_(" and %d more") % (len(refs) - SHOWN) if len(refs) > SHOWN else "")


# --- programmes ---------------------------------------------------------------------------------


def programme_create(*, organization: Any, actor: Any, **data: Any) -> AuditProgramme:
    require(actor, MANAGE, organization)
    _check_fields(data, PROGRAMME_FIELDS)
    check_member(organization, data.get("owner"), "owner")
    with transaction.atomic():
        programme = AuditProgramme(
            organization=organization, ref=next_ref(organization, "AP"), **data
        )
        if programme.owner_id is None and actor is not None:
            programme.owner = actor
        return record_create(programme, actor=actor)


def programme_update(
    *,
    programme: AuditProgramme,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    **data: Any,
) -> AuditProgramme:
    require(actor, MANAGE, programme)
    _check_fields(data, PROGRAMME_FIELDS)
    check_member(programme.organization, data.get("owner"), "owner")
    return record_update(
        programme, actor=actor, data=data, expected_version=version, if_match=if_match
    )


def programme_delete(
    *, programme: AuditProgramme, actor: Any, version: int | None, if_match: bool = False
) -> None:
    """Only a programme without audits (a mistake); otherwise its audits keep it."""
    require(actor, MANAGE, programme)
    refs = list(programme.audits.order_by("ref").values_list("ref", flat=True))
    if refs:
        raise ValidationError(
            _("%(ref)s has audits (%(audits)s); it cannot be deleted.")
            % {"ref": programme.ref, "audits": _names(refs)}
        )
    record_delete(programme, actor=actor, expected_version=version, if_match=if_match)


# --- audits -------------------------------------------------------------------------------------


def check_criteria(organization: Any, requirements: Iterable[Any]) -> list[RequirementNode]:
    """Criteria are assessable requirements of the frameworks the organisation adopted (and
    ISO/IEC 27001:2022): each other id is named."""
    ids = check_requirements(organization, requirements, "criteria")
    nodes = list(
        RequirementNode.objects.filter(
            pk__in=ids, framework__in=audit_frameworks(organization), assessable=True
        ).select_related("framework")
    )
    found = {n.pk for n in nodes}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError(
            {
                "criteria": _(
                    "Requirement %s is not an assessable requirement of an adopted framework."
                )
                % missing[0]
            }
        )
    return nodes


def _check_team(organization: Any, team: Iterable[Any]) -> list[int]:
    ids = []
    for user in team:
        check_member(organization, user, "team")
        ids.append(user.pk)
    return ids


def _check_programme(organization: Any, programme: Any) -> None:
    if programme is not None and programme.organization_id != organization.pk:
        raise ValidationError({"programme": _("Unknown programme.")})


def _question(node: RequirementNode) -> str:
    head = f"{node.ref_id} {node.name}".strip()
    return f"{head}\n{node.description}".strip() if node.description else head


def _sync_items(audit: Audit, *, actor: Any, nodes: list[RequirementNode]) -> None:
    """Make the checklist follow the criteria (see the module's docstring)."""
    wanted = {n.pk: n for n in nodes}
    items = list(audit.items.select_related("requirement"))
    have = {i.requirement_id for i in items}
    dropped = [i for i in items if i.requirement_id not in wanted]
    recorded = [i.requirement.ref_id or str(i.requirement_id) for i in dropped if i.result]
    if recorded:
        raise ValidationError(
            {
                "criteria": _("These criteria have a recorded result and stay: %s.")
                % _names(recorded)
            }
        )
    for item in dropped:
        record_delete(item, actor=actor)
    new = [
        AuditItem(
            organization=audit.organization,
            audit=audit,
            requirement=node,
            order=node.order,
            question=_question(node),
        )
        for pk, node in sorted(wanted.items(), key=lambda kv: (kv[1].framework.name, kv[1].order))
        if pk not in have
    ]
    record_create_many(
        new,
        organization=audit.organization,
        actor=actor,
        exclude_validation=("audit", "requirement", "organization"),
    )


def _set_links(
    audit: Audit, *, actor: Any, criteria: Iterable[Any] | None, team: Iterable[Any] | None
) -> None:
    if team is not None:
        record_m2m(audit, actor=actor, field="team", ids=_check_team(audit.organization, team))
    if criteria is not None:
        nodes = check_criteria(audit.organization, criteria)
        if audit.status == AuditStatus.IN_PROGRESS and not nodes:
            raise ValidationError({"criteria": _("An audit in progress keeps its criteria.")})
        if audit.status not in EDITABLE:
            current = set(audit.criteria.values_list("pk", flat=True))
            if current != {n.pk for n in nodes}:
                raise ValidationError(
                    {"criteria": _("The criteria of a reported audit no longer change.")}
                )
            return
        record_m2m(audit, actor=actor, field="criteria", ids=[n.pk for n in nodes])
        _sync_items(audit, actor=actor, nodes=nodes)


def audit_create(
    *,
    organization: Any,
    actor: Any,
    criteria: Iterable[Any] | None = None,
    team: Iterable[Any] | None = None,
    **data: Any,
) -> Audit:
    """A planned audit; ``criteria`` (requirements or ids) make its checklist."""
    require(actor, MANAGE, organization)
    _check_fields(data, AUDIT_FIELDS - {"conclusion", "actual_start", "actual_end"})
    check_member(organization, data.get("lead_auditor"), "lead_auditor")
    _check_programme(organization, data.get("programme"))
    with transaction.atomic():
        audit = Audit(organization=organization, ref=next_ref(organization, "IA"), **data)
        record_create(audit, actor=actor)
        _set_links(audit, actor=actor, criteria=criteria, team=team)
    return audit


def audit_update(
    *,
    audit: Audit,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    criteria: Iterable[Any] | None = None,
    team: Iterable[Any] | None = None,
    **data: Any,
) -> Audit:
    """Change an audit that is not closed or cancelled; the version is checked even when only
    the criteria or the team change."""
    require(actor, MANAGE, audit)
    _check_fields(data, AUDIT_FIELDS)
    if audit.status in (AuditStatus.CLOSED, AuditStatus.CANCELLED):
        raise ValidationError(
            _("%(ref)s is %(status)s; it is no longer edited.")
            % {"ref": audit.ref, "status": AuditStatus(audit.status).label.lower()}
        )
    check_member(audit.organization, data.get("lead_auditor"), "lead_auditor")
    _check_programme(audit.organization, data.get("programme"))
    if audit.status == AuditStatus.REPORTED:
        _check_report_unchanged(audit, data, team)
    with transaction.atomic():
        record_update(audit, actor=actor, data=data, expected_version=version, if_match=if_match)
        _set_links(audit, actor=actor, criteria=criteria, team=team)
        if audit.status == AuditStatus.IN_PROGRESS:
            problem = _impartiality_problem(audit)
            if problem:  # raised inside the transaction: nothing of the change is kept
                raise ValidationError({"impartiality_statement": problem})
    return audit


def _check_report_unchanged(audit: Audit, data: dict[str, Any], team: Iterable[Any] | None) -> None:
    """Once the report is issued, what it says stays as issued: only the programme link may
    change until the audit is closed."""
    changed = sorted(k for k, v in data.items() if k != "programme" and v != getattr(audit, k))
    if team is not None:
        ids = {getattr(u, "pk", u) for u in team}
        if ids != set(audit.team.values_list("pk", flat=True)):
            changed.append("team")
    if changed:
        raise ValidationError(
            {
                k: _("The report of %s was issued: what it says no longer changes.") % audit.ref
                for k in changed
            }
        )


def _impartiality_problem(audit: Audit) -> str | None:
    conflicts = impartiality_conflicts(audit)
    if conflicts and not audit.impartiality_statement.strip():
        return _(
            "Auditors own controls in the criteria (%s): fill in the impartiality "
            "statement (how objectivity is ensured)."
        ) % ", ".join(sorted({c.user.email for c in conflicts}))
    return None


def audit_delete(*, audit: Audit, actor: Any, version: int | None, if_match: bool = False) -> None:
    """Only a planned audit is deleted (a mistake); otherwise cancel it."""
    require(actor, MANAGE, audit)
    if audit.status != AuditStatus.PLANNED:
        raise ValidationError(_("%s has started; cancel it instead of deleting it.") % audit.ref)
    with transaction.atomic():
        locked = Audit.objects.select_for_update().get(pk=audit.pk)
        if locked.status != AuditStatus.PLANNED:
            raise ValidationError(_("%s has started.") % audit.ref)
        for item in audit.items.all():
            record_delete(item, actor=actor)
        record_delete(audit, actor=actor, expected_version=version, if_match=if_match)


# --- lifecycle ----------------------------------------------------------------------------------


def transition_problem(audit: Audit, to: str) -> str | None:
    """Why ``audit`` cannot move to ``to`` now (None: it can)."""
    if to not in TRANSITIONS.get(audit.status, ()):
        return _("An audit cannot go from %(a)s to %(b)s.") % {
            "a": AuditStatus(audit.status).label,
            "b": AuditStatus(to).label if to in AuditStatus.values else to,
        }
    items = list(audit.items.select_related("requirement"))
    if to == AuditStatus.IN_PROGRESS:
        if audit.lead_auditor_id is None:
            return _("Name the lead auditor first.")
        if not items:
            return _("The checklist is empty: choose the audit criteria first.")
        problem = _impartiality_problem(audit)
        if problem:
            return problem
    if to == AuditStatus.REPORTED:
        if not items:
            return _("The checklist is empty: there is nothing to report.")
        problem = _impartiality_problem(audit)
        if problem:
            return problem
        missing = [i.requirement.ref_id for i in items if not i.result]
        if missing:
            return _("Record a result for every checklist item first: %s.") % _names(missing)
        if not audit.conclusion.strip():
            return _("Write the audit conclusion first.")
    if to == AuditStatus.CLOSED:
        pending = [
            i.requirement.ref_id
            for i in items
            if i.result in NC_SEVERITY and i.nonconformity_id is None
        ]
        if pending:
            return _("Raise a nonconformity for these findings first: %s.") % _names(pending)
    return None


def _transition(
    audit: Audit,
    *,
    actor: Any,
    to: str,
    version: int | None,
    if_match: bool,
    data: dict[str, Any],
) -> Audit:
    require(actor, MANAGE, audit)
    with transaction.atomic():
        locked = Audit.objects.select_for_update().get(pk=audit.pk)
        problem = transition_problem(locked, to)
        if problem:
            raise ValidationError({"status": problem})
        return record_update(
            audit,
            actor=actor,
            data={"status": to, **data},
            expected_version=version,
            if_match=if_match,
            action=f"audit.{to}",
        )


def _on(value: dt.date | None, field: str, *, after: dt.date | None = None) -> dt.date:
    """A lifecycle date given explicitly (recorded after the fact): never in the future, never
    before ``after``; today by default."""
    today = timezone.localdate()
    if value is None:
        return today
    if value > today:
        raise ValidationError({field: _("The date cannot be in the future.")})
    if after is not None and value < after:
        raise ValidationError({field: _("The date cannot be before %s.") % after.isoformat()})
    return value


def audit_start(
    *,
    audit: Audit,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    started_on: dt.date | None = None,
) -> Audit:
    data = {"actual_start": _on(started_on, "actual_start")}
    if audit.actual_start and started_on is None:
        data = {}
    return _transition(
        audit,
        actor=actor,
        to=AuditStatus.IN_PROGRESS,
        version=version,
        if_match=if_match,
        data=data,
    )


def audit_report(
    *,
    audit: Audit,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    issued_on: dt.date | None = None,
) -> Audit:
    issued = _on(issued_on, "report_issued_on", after=audit.actual_start)
    data: dict[str, Any] = {"report_issued_on": issued}
    if audit.actual_end is None:
        data["actual_end"] = max(issued, audit.actual_start) if audit.actual_start else issued
    return _transition(
        audit, actor=actor, to=AuditStatus.REPORTED, version=version, if_match=if_match, data=data
    )


def audit_close(
    *,
    audit: Audit,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    closed_on: dt.date | None = None,
) -> Audit:
    return _transition(
        audit,
        actor=actor,
        to=AuditStatus.CLOSED,
        version=version,
        if_match=if_match,
        data={"closed_on": _on(closed_on, "closed_on", after=audit.report_issued_on)},
    )


def audit_cancel(*, audit: Audit, actor: Any, version: int | None, if_match: bool = False) -> Audit:
    return _transition(
        audit, actor=actor, to=AuditStatus.CANCELLED, version=version, if_match=if_match, data={}
    )


# --- the checklist ------------------------------------------------------------------------------


def may_record(actor: Any, audit: Audit, team_ids: Iterable[int] | None = None) -> bool:
    """The lead auditor, a team member, or a role that manages audits, with the permission to
    record findings."""
    if not actor.has_perm(RECORD, audit):
        return False
    if actor.has_perm(MANAGE, audit) or actor.pk == audit.lead_auditor_id:
        return True
    ids = team_ids if team_ids is not None else audit.team.values_list("pk", flat=True)
    return actor.pk in set(ids)


def _check_evidence(organization: Any, evidence: Iterable[Any]) -> list[int]:
    items = list(evidence)
    ids = sorted({e.pk if isinstance(e, Evidence) else int(e) for e in items})
    found = set(
        Evidence.objects.filter(organization=organization, pk__in=ids).values_list("pk", flat=True)
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({"evidence": _("Unknown evidence: %s.") % missing[0]})
    return ids


def item_record(
    *,
    item: AuditItem,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    evidence: Iterable[Any] | None = None,
    recorded_at: dt.datetime | None = None,
    **data: Any,
) -> AuditItem:
    """Record the result, finding and sampling notes of a checklist item (audit in progress).
    Once a nonconformity was raised from it, it stays a nonconformity."""
    audit = item.audit
    require(actor, RECORD, item)
    if not may_record(actor, audit):
        raise PermissionDenied(
            _("Only the lead auditor, the audit team or an audit manager record results.")
        )
    _check_fields(data, ITEM_FIELDS)
    if audit.status != AuditStatus.IN_PROGRESS:
        raise ValidationError(
            _("%s is not in progress: results are recorded during the audit.") % audit.ref
        )
    if "question" in data and not actor.has_perm(MANAGE, audit):
        raise PermissionDenied(_("Only an audit manager changes the question."))
    result = data.get("result", item.result) or ""
    if result and result not in ItemResult.values:
        raise ValidationError({"result": _("Unknown result: %s.") % result})
    if item.nonconformity_id is not None and result != item.result:
        raise ValidationError(
            {
                "result": _(
                    "Nonconformity %s was raised from this finding with its severity; the "
                    "result no longer changes."
                )
                % item.nonconformity.ref  # type: ignore[union-attr]
            }
        )
    for name in ("finding", "sampling_notes"):
        if isinstance(data.get(name), str):
            data[name] = data[name].strip()
    if "result" in data or "finding" in data:
        data["recorded_by"] = actor
        now = timezone.now()
        data["recorded_at"] = min(recorded_at, now) if recorded_at else now
    with transaction.atomic():
        record_update(item, actor=actor, data=data, expected_version=version, if_match=if_match)
        if evidence is not None:
            ids = _check_evidence(audit.organization, evidence)
            record_m2m(item, actor=actor, field="evidence", ids=ids)
    return item


def _nc_title(item: AuditItem) -> str:
    first = next((line.strip() for line in item.finding.splitlines() if line.strip()), "")
    title = first or item.requirement.name
    return title if len(title) <= 300 else title[:299] + "…"


def raise_nonconformity(*, item: AuditItem, actor: Any, **data: Any) -> Any:
    """Raise a nonconformity (improvement register) from a major or minor finding: severity,
    requirement and source come from the item, the title from the finding."""
    from openisms.improvement.services import nonconformity_create

    audit = item.audit
    require(actor, VIEW, audit)
    if audit.status not in (AuditStatus.IN_PROGRESS, AuditStatus.REPORTED):
        raise ValidationError(
            _("%s is not in progress or reported: nonconformities are raised during the audit.")
            % audit.ref
        )
    if item.result not in NC_SEVERITY:
        raise ValidationError(
            {"result": _("Only a major or minor nonconformity finding raises a nonconformity.")}
        )
    with transaction.atomic():
        locked = AuditItem.objects.select_for_update().get(pk=item.pk)
        if locked.nonconformity_id is not None:
            raise ValidationError(
                _("Nonconformity %s was already raised from this finding.")
                % locked.nonconformity.ref  # type: ignore[union-attr]
            )
        data.setdefault("title", _nc_title(item))
        data.setdefault("description", item.finding)
        nc = nonconformity_create(
            organization=audit.organization,
            actor=actor,
            source="audit_finding",
            source_reference=f"{audit.ref} · {item.requirement.ref_id}",
            requirement=item.requirement,
            severity=NC_SEVERITY[item.result],
            detected_on=audit.actual_start or timezone.localdate(),
            **data,
        )
        record_update(
            item,
            actor=actor,
            data={"nonconformity": nc},
            expected_version=locked.version,
            action="audit_item.raise_nonconformity",
        )
    return nc
