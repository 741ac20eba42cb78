"""Writes for nonconformities, corrective actions, effectiveness verifications and improvement
opportunities. Every write goes through ``openisms.core.services`` (validation, optimistic
locking, audit trail)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.assets.services import check_member
from openisms.controls.choices import RunResult
from openisms.controls.models import ControlTestRun
from openisms.controls.services import check_requirements
from openisms.core.gate import require
from openisms.core.refs import next_ref
from openisms.core.services import record_create, record_delete, record_update
from openisms.improvement.choices import (
    TRANSITIONS,
    ActionStatus,
    NcSource,
    NcStatus,
    OpportunityStatus,
    VerificationResult,
)
from openisms.improvement.models import (
    CorrectiveAction,
    EffectivenessVerification,
    ImprovementOpportunity,
    Nonconformity,
)

CHANGE = "improvement.change_improvement"
VERIFY = "improvement.verify_effectiveness"

NC_FIELDS = {
    "title",
    "description",
    "source",
    "source_reference",
    "requirement",
    "severity",
    "owner",
    "detected_on",
    "correction",
    "root_cause",
    "five_whys",
}
ACTION_FIELDS = {"title", "owner", "due_date", "status", "progress_note"}
OPPORTUNITY_FIELDS = {"title", "description", "source", "owner", "status", "outcome"}


def _check_fields(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def _check_requirement(organization: Any, requirement: Any) -> None:
    if requirement is not None:
        check_requirements(organization, [requirement], "requirement")


def _clean_whys(data: dict[str, Any]) -> None:
    if "five_whys" in data and isinstance(data["five_whys"], list):
        data["five_whys"] = [w.strip() if isinstance(w, str) else w for w in data["five_whys"]]


def _check_run(organization: Any, run: ControlTestRun | None) -> None:
    if run is None:
        return
    if run.organization_id != organization.pk:
        raise ValidationError({"test_run": _("Unknown test run.")})
    if run.result != RunResult.FAIL:
        raise ValidationError({"test_run": _("Only a failed test run opens a nonconformity.")})
    if run.nonconformity_ref or Nonconformity.objects.filter(test_run=run).exists():
        raise ValidationError(
            {
                "test_run": _("This run already opened nonconformity %s.")
                % (run.nonconformity_ref or "?")
            }
        )


# --- nonconformities ----------------------------------------------------------------------------


def nonconformity_create(
    *, organization: Any, actor: Any, test_run: ControlTestRun | None = None, **data: Any
) -> Nonconformity:
    """Record a nonconformity; from a failed test run (``test_run``) the run is marked with the
    new reference (its only field ever changed)."""
    require(actor, CHANGE, organization)
    _check_fields(data, NC_FIELDS)
    check_member(organization, data.get("owner"), "owner")
    _check_requirement(organization, data.get("requirement"))
    _check_run(organization, test_run)
    _clean_whys(data)
    if test_run is not None:
        data["source"] = NcSource.CONTROL_TEST
    with transaction.atomic():
        nc = Nonconformity(
            organization=organization,
            ref=next_ref(organization, "NC"),
            test_run=test_run,
            **data,
        )
        if nc.owner_id is None and actor is not None:
            nc.owner = actor
        require(actor, CHANGE, nc)
        record_create(nc, actor=actor)
        if test_run is not None:
            record_update(test_run, actor=actor, data={"nonconformity_ref": nc.ref})
    return nc


def nonconformity_from_test_run(*, run: ControlTestRun, actor: Any, **data: Any) -> Nonconformity:
    """Open a nonconformity from a failed control test run, prefilled from the run."""
    test = run.test
    control = test.control
    data.setdefault(
        "title",
        _("Failed test: %(test)s (%(control)s)")
        % {
            "test": test.name,
            "control": control.ref,
        },
    )
    data.setdefault("description", run.notes)
    data.setdefault(
        "source_reference",
        _("%(control)s · %(test)s · run of %(date)s")
        % {"control": control.ref, "test": test.name, "date": run.performed_on.isoformat()},
    )
    data.setdefault("detected_on", run.performed_on)
    return nonconformity_create(organization=run.organization, actor=actor, test_run=run, **data)


def nonconformity_update(
    *,
    nc: Nonconformity,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    **data: Any,
) -> Nonconformity:
    require(actor, CHANGE, nc)
    _check_fields(data, NC_FIELDS)
    check_member(nc.organization, data.get("owner"), "owner")
    _check_requirement(nc.organization, data.get("requirement"))
    _clean_whys(data)
    if nc.status == NcStatus.CLOSED:
        raise ValidationError(_("%s is closed; it is no longer edited.") % nc.ref)
    if (
        "root_cause" in data
        and not (data["root_cause"] or "").strip()
        and nc.status != NcStatus.OPEN
    ):
        raise ValidationError({"root_cause": _("An analysed nonconformity keeps its root cause.")})
    return record_update(nc, actor=actor, data=data, expected_version=version, if_match=if_match)


def nonconformity_delete(
    *, nc: Nonconformity, actor: Any, version: int | None, if_match: bool = False
) -> None:
    """Only an open nonconformity with no corrective action may be deleted (a mistake)."""
    require(actor, CHANGE, nc)
    if nc.status != NcStatus.OPEN or nc.actions.exists():
        raise ValidationError(_("%s is being handled; it cannot be deleted.") % nc.ref)
    with transaction.atomic():
        if nc.test_run_id is not None:
            run = ControlTestRun.objects.select_for_update().get(pk=nc.test_run_id)
            if run.nonconformity_ref == nc.ref:
                record_update(run, actor=actor, data={"nonconformity_ref": ""})
        record_delete(nc, actor=actor, expected_version=version, if_match=if_match)


def transition_problem(nc: Nonconformity, to: str) -> str | None:
    """Why ``nc`` cannot move to ``to`` now (None: it can)."""
    if to not in TRANSITIONS.get(nc.status, ()):
        return _("A nonconformity cannot go from %(a)s to %(b)s.") % {
            "a": NcStatus(nc.status).label,
            "b": NcStatus(to).label if to in NcStatus.values else to,
        }
    actions = list(nc.actions.all())
    live = [a for a in actions if a.status != ActionStatus.CANCELLED]
    if to == NcStatus.ANALYSED and not nc.root_cause.strip():
        return _("Record the root cause before marking it analysed.")
    if to == NcStatus.ACTION_PLANNED and nc.status == NcStatus.ANALYSED and not live:
        return _("Plan at least one corrective action first.")
    if to == NcStatus.VERIFYING:
        if not live:
            return _("There is no corrective action to verify.")
        pending = [a.ref for a in live if a.status != ActionStatus.DONE]
        if pending:
            return _("Corrective actions not done yet: %s.") % ", ".join(pending)
    if to == NcStatus.CLOSED:
        latest = nc.verifications.order_by("-verified_on", "-pk").first()
        if latest is None or latest.result != VerificationResult.EFFECTIVE:
            return _("Close it only after a verification found the actions effective.")
    return None


def nonconformity_transition(
    *, nc: Nonconformity, actor: Any, to: str, version: int | None, if_match: bool = False
) -> Nonconformity:
    require(actor, CHANGE, nc)
    if to == NcStatus.CLOSED and not actor.has_perm(VERIFY, nc):
        raise PermissionDenied(_("Only a role that verifies effectiveness closes it."))
    problem = transition_problem(nc, to)
    if problem:
        raise ValidationError({"status": problem})
    data: dict[str, Any] = {"status": to}
    data["closed_on"] = timezone.localdate() if to == NcStatus.CLOSED else None
    return record_update(
        nc,
        actor=actor,
        data=data,
        expected_version=version,
        if_match=if_match,
        action="nonconformity.transition",
    )


# --- corrective actions -------------------------------------------------------------------------


def _may_change_action(actor: Any, action: CorrectiveAction) -> bool:
    return actor.has_perm(CHANGE, action) or actor.has_perm(CHANGE, action.nonconformity)


def action_create(*, nc: Nonconformity, actor: Any, **data: Any) -> CorrectiveAction:
    require(actor, CHANGE, nc)
    _check_fields(data, ACTION_FIELDS)
    check_member(nc.organization, data.get("owner"), "owner")
    if nc.status in (NcStatus.VERIFYING, NcStatus.CLOSED):
        raise ValidationError(
            _("%s is being verified or closed; no new corrective action.") % nc.ref
        )
    with transaction.atomic():
        action = CorrectiveAction(
            organization=nc.organization,
            nonconformity=nc,
            ref=next_ref(nc.organization, "CA"),
            **data,
        )
        if action.owner_id is None:
            action.owner = nc.owner
        if action.status == ActionStatus.DONE:
            action.completed_on = timezone.localdate()
        return record_create(action, actor=actor)


def action_update(
    *,
    action: CorrectiveAction,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    **data: Any,
) -> CorrectiveAction:
    if not _may_change_action(actor, action):
        raise PermissionDenied(_("Your role does not allow this."))
    _check_fields(data, ACTION_FIELDS)
    check_member(action.organization, data.get("owner"), "owner")
    if action.nonconformity.status == NcStatus.CLOSED:
        raise ValidationError(
            _("%s is closed; its actions are no longer edited.") % action.nonconformity.ref
        )
    status = data.get("status", action.status)
    if status == ActionStatus.DONE and action.status != ActionStatus.DONE:
        data["completed_on"] = timezone.localdate()
    elif status != ActionStatus.DONE:
        data["completed_on"] = None
    return record_update(
        action, actor=actor, data=data, expected_version=version, if_match=if_match
    )


# --- effectiveness verification -----------------------------------------------------------------


def verification_record(
    *,
    nc: Nonconformity,
    actor: Any,
    result: str,
    verified_on: dt.date | None = None,
    notes: str = "",
) -> EffectivenessVerification:
    """Record whether the corrective actions worked. Ineffective: the nonconformity goes back to
    action planning (new or changed actions are needed). Verifications are never edited."""
    require(actor, VERIFY, nc)
    if result not in VerificationResult.values:
        raise ValidationError({"result": _("Choose effective or ineffective.")})
    if nc.status != NcStatus.VERIFYING:
        raise ValidationError(
            {"result": _("Mark %s as verifying (every action done) first.") % nc.ref}
        )
    verified_on = verified_on or timezone.localdate()
    if verified_on > timezone.localdate():
        raise ValidationError({"verified_on": _("A verification cannot be in the future.")})
    if result == VerificationResult.INEFFECTIVE and not notes.strip():
        raise ValidationError({"notes": _("Say why the actions were not effective.")})
    with transaction.atomic():
        locked = Nonconformity.objects.select_for_update().get(pk=nc.pk)
        if locked.status != NcStatus.VERIFYING:
            raise ValidationError({"result": _("%s is no longer being verified.") % nc.ref})
        verification = record_create(
            EffectivenessVerification(
                organization=nc.organization,
                nonconformity=nc,
                verified_by=actor,
                verified_on=verified_on,
                result=result,
                notes=notes,
            ),
            actor=actor,
        )
        if result == VerificationResult.INEFFECTIVE:
            record_update(
                nc,
                actor=actor,
                data={"status": NcStatus.ACTION_PLANNED},
                expected_version=locked.version,
                action="nonconformity.reopen",
            )
    return verification


# --- improvement opportunities ------------------------------------------------------------------


def opportunity_create(*, organization: Any, actor: Any, **data: Any) -> ImprovementOpportunity:
    require(actor, CHANGE, organization)
    _check_fields(data, OPPORTUNITY_FIELDS)
    check_member(organization, data.get("owner"), "owner")
    with transaction.atomic():
        item = ImprovementOpportunity(
            organization=organization, ref=next_ref(organization, "IMP"), **data
        )
        if item.owner_id is None and actor is not None:
            item.owner = actor
        require(actor, CHANGE, item)
        return record_create(item, actor=actor)


def opportunity_update(
    *,
    item: ImprovementOpportunity,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    **data: Any,
) -> ImprovementOpportunity:
    require(actor, CHANGE, item)
    _check_fields(data, OPPORTUNITY_FIELDS)
    check_member(item.organization, data.get("owner"), "owner")
    return record_update(item, actor=actor, data=data, expected_version=version, if_match=if_match)


def opportunity_delete(
    *, item: ImprovementOpportunity, actor: Any, version: int | None, if_match: bool = False
) -> None:
    require(actor, CHANGE, item)
    if item.status != OpportunityStatus.PROPOSED:
        raise ValidationError(
            _("%s was decided on; set its status instead of deleting it.") % item.ref
        )
    record_delete(item, actor=actor, expected_version=version, if_match=if_match)
