"""Writes for implemented controls, their tests and test runs. Evidence writes live in
``openisms.controls.evidence_services`` (file storage rules)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.assets.services import check_member
from openisms.catalog.models import RequirementNode
from openisms.catalog.selectors import visible_frameworks
from openisms.controls.choices import RunResult
from openisms.controls.models import Control, ControlTest, ControlTestRun, Evidence
from openisms.core.gate import require
from openisms.core.refs import next_ref, reserve_ref
from openisms.core.services import (
    record_create,
    record_delete,
    record_m2m,
    record_update,
)
from openisms.documents.choices import DocumentStatus
from openisms.documents.models import Document

CONTROL_FIELDS = {
    "ref",
    "name",
    "description",
    "owner",
    "status",
    "implemented_on",
    "review_interval_months",
    "last_reviewed_on",
    "documentation",
}
TEST_FIELDS = {"name", "procedure", "method", "frequency_days", "owner"}


def _check_fields(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def check_requirements(organization: Any, requirements: Iterable[Any], field: str) -> list[int]:
    """Requirement nodes must belong to frameworks the organisation can see."""
    items = list(requirements)
    ids = sorted({r.pk if isinstance(r, RequirementNode) else int(r) for r in items})
    if not ids:
        return []
    found = set(
        RequirementNode.objects.filter(
            pk__in=ids, framework__in=visible_frameworks(organization)
        ).values_list("pk", flat=True)
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({field: _("Unknown requirement: %s.") % missing[0]})
    return ids


def check_owned(organization: Any, objects: Iterable[Any], field: str, label: str) -> list[int]:
    ids = []
    for obj in objects:
        if obj.organization_id != organization.pk:
            raise ValidationError({field: _("Unknown %s.") % label})
        ids.append(obj.pk)
    return ids


def check_documents(
    organization: Any, documents: Iterable[Any], field: str, *, keep: Iterable[int] = ()
) -> list[int]:
    """Documents (instances or ids) of the organisation's register. A retired document may
    stay linked (``keep``: the ids linked already) but is not linked anew."""
    ids = sorted({d.pk if isinstance(d, Document) else int(d) for d in documents})
    if not ids:
        return []
    found = dict(
        Document.objects.filter(organization=organization, pk__in=ids).values_list("pk", "status")
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({field: _("Unknown document: %s.") % missing[0]})
    kept = set(keep)
    retired = [i for i in ids if found[i] == DocumentStatus.RETIRED and i not in kept]
    if retired:
        ref = Document.objects.get(pk=retired[0]).ref
        raise ValidationError({field: _("%s is retired: it cannot be cited anew.") % ref})
    return ids


# --- controls -----------------------------------------------------------------------------------


def _set_links(
    control: Control,
    *,
    actor: Any,
    requirements: Iterable[Any] | None,
    risks: Iterable[Any] | None,
    documents: Iterable[Any] | None = None,
) -> None:
    if requirements is not None:
        ids = check_requirements(control.organization, requirements, "requirements")
        record_m2m(control, actor=actor, field="requirements", ids=ids)
    if risks is not None:
        ids = check_owned(control.organization, risks, "risks", _("risk"))
        record_m2m(control, actor=actor, field="risks", ids=ids)
    if documents is not None:
        linked = control.documents.values_list("pk", flat=True) if control.pk else []
        ids = check_documents(control.organization, documents, "documents", keep=linked)
        record_m2m(control, actor=actor, field="documents", ids=ids)


def control_create(
    *,
    organization: Any,
    actor: Any,
    requirements: Iterable[Any] | None = None,
    risks: Iterable[Any] | None = None,
    documents: Iterable[Any] | None = None,
    **data: Any,
) -> Control:
    require(actor, "controls.change_control", organization)
    _check_fields(data, CONTROL_FIELDS)
    check_member(organization, data.get("owner"), "owner")
    with transaction.atomic():
        ref = (data.pop("ref", "") or "").strip()
        if ref:
            if Control.objects.filter(organization=organization, ref=ref).exists():
                raise ValidationError({"ref": _("Control %s already exists.") % ref})
            reserve_ref(organization, "C", ref)
        else:
            ref = next_ref(organization, "C")
        control = Control(organization=organization, ref=ref, **data)
        if control.owner_id is None and actor is not None:
            control.owner = actor
        require(actor, "controls.change_control", control)
        record_create(control, actor=actor)
        _set_links(
            control, actor=actor, requirements=requirements, risks=risks, documents=documents
        )
    return control


def control_update(
    *,
    control: Control,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    requirements: Iterable[Any] | None = None,
    risks: Iterable[Any] | None = None,
    documents: Iterable[Any] | None = None,
    **data: Any,
) -> Control:
    require(actor, "controls.change_control", control)
    _check_fields(data, CONTROL_FIELDS)
    check_member(control.organization, data.get("owner"), "owner")
    if "ref" in data and data.pop("ref") != control.ref:
        raise ValidationError({"ref": _("A reference never changes.")})
    if "owner" in data:
        probe = copy.copy(control)
        probe.owner = data["owner"]
        require(actor, "controls.change_control", probe)  # contributors cannot give it away
    with transaction.atomic():
        record_update(control, actor=actor, data=data, expected_version=version, if_match=if_match)
        _set_links(
            control, actor=actor, requirements=requirements, risks=risks, documents=documents
        )
    return control


def control_delete(
    *, control: Control, actor: Any, version: int | None, if_match: bool = False
) -> None:
    require(actor, "controls.change_control", control)
    if ControlTestRun.objects.filter(test__control=control).exists():
        raise ValidationError(
            _("%s has test results on record; it cannot be deleted. Set its status instead.")
            % control.ref
        )
    with transaction.atomic():
        record_m2m(control, actor=actor, field="requirements", ids=[])
        record_m2m(control, actor=actor, field="risks", ids=[])
        record_m2m(control, actor=actor, field="documents", ids=[])
        for test in control.tests.all():
            record_delete(test, actor=actor)
        for evidence in Evidence.objects.filter(controls=control).order_by("pk"):
            ids = set(evidence.controls.values_list("pk", flat=True)) - {control.pk}
            record_m2m(evidence, actor=actor, field="controls", ids=ids)
        record_delete(control, actor=actor, expected_version=version, if_match=if_match)


def risk_controls_set(*, risk: Any, actor: Any, controls: Iterable[Control]) -> None:
    """The organisation's controls a risk's treatment selects (the risk side of
    ``Control.risks``); one audited change per control whose links change."""
    require(actor, "risks.change_risk", risk)
    wanted = set(check_owned(risk.organization, controls, "controls", _("control")))
    current = set(risk.selected_controls.values_list("pk", flat=True))
    with transaction.atomic():
        for control in Control.objects.filter(pk__in=wanted ^ current).order_by("pk"):
            ids = set(control.risks.values_list("pk", flat=True))
            ids = ids | {risk.pk} if control.pk in wanted else ids - {risk.pk}
            record_m2m(control, actor=actor, field="risks", ids=ids)


# --- tests and runs ------------------------------------------------------------------------------


def control_test_create(*, control: Control, actor: Any, **data: Any) -> ControlTest:
    require(actor, "controls.change_control", control)
    _check_fields(data, TEST_FIELDS)
    check_member(control.organization, data.get("owner"), "owner")
    test = ControlTest(organization=control.organization, control=control, **data)
    if test.owner_id is None:
        test.owner = control.owner
    return record_create(test, actor=actor)


def control_test_update(
    *, test: ControlTest, actor: Any, version: int | None, if_match: bool = False, **data: Any
) -> ControlTest:
    require(actor, "controls.change_control", test.control)
    _check_fields(data, TEST_FIELDS)
    check_member(test.organization, data.get("owner"), "owner")
    return record_update(test, actor=actor, data=data, expected_version=version, if_match=if_match)


def control_test_delete(
    *, test: ControlTest, actor: Any, version: int | None, if_match: bool = False
) -> None:
    require(actor, "controls.change_control", test.control)
    if test.runs.exists():
        raise ValidationError(
            _("The test “%s” has results on record; it cannot be deleted.") % test.name
        )
    record_delete(test, actor=actor, expected_version=version, if_match=if_match)


def run_record(
    *,
    test: ControlTest,
    actor: Any,
    result: str,
    performed_on: dt.date | None = None,
    notes: str = "",
    evidence: Iterable[Evidence] = (),
    nonconformity_ref: str = "",
) -> ControlTestRun:
    """Record one execution of a test. Runs are never edited: a correction is a new run."""
    require(actor, "controls.change_control", test.control)
    if result not in RunResult.values:
        raise ValidationError({"result": _("Choose pass, partial or fail.")})
    performed_on = performed_on or timezone.localdate()
    if performed_on > timezone.localdate():
        raise ValidationError({"performed_on": _("A test cannot be performed in the future.")})
    if result == RunResult.FAIL and not notes.strip():
        raise ValidationError({"notes": _("Say what failed.")})
    with transaction.atomic():
        run = record_create(
            ControlTestRun(
                organization=test.organization,
                test=test,
                performed_on=performed_on,
                performed_by=actor,
                result=result,
                notes=notes,
                nonconformity_ref=nonconformity_ref,
            ),
            actor=actor,
        )
        ids = check_owned(test.organization, evidence, "evidence", _("evidence"))
        record_m2m(run, actor=actor, field="evidence", ids=ids)
    return run
