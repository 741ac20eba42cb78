"""Writes for the context of the organisation, interested parties, obligations and the ISMS
scope (ISO/IEC 27001 4.1–4.3, A.5.31). Every write goes through ``openisms.core.services``
(validation, optimistic locking, audit trail)."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.assets.services import check_member
from openisms.controls.services import check_owned, check_requirements
from openisms.core.exceptions import ConflictError, PreconditionFailed
from openisms.core.gate import require
from openisms.core.refs import next_ref, reserve_ref
from openisms.core.services import (
    record_create,
    record_delete,
    record_event,
    record_m2m,
    record_update,
)
from openisms.governance.models import (
    ContextIssue,
    InterestedParty,
    Obligation,
    ScopeStatement,
    ScopeVersion,
)

CHANGE = "governance.change_governance"
APPROVE = "governance.approve_scope"

ISSUE_FIELDS = {"ref", "title", "side", "category", "description", "effect", "owner", "review_date"}
PARTY_FIELDS = {"ref", "name", "side", "description", "expectations", "owner"}
OBLIGATION_FIELDS = {
    "ref",
    "party",
    "kind",
    "title",
    "description",
    "source_reference",
    "addressed_by_isms",
    "owner",
    "review_date",
}
SCOPE_FIELDS = {"text", "boundaries", "interfaces", "exclusions"}
PREFIX = {ContextIssue: "ISS", InterestedParty: "IP", Obligation: "OB"}


def _check_fields(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def _create[M: models.Model](
    model: type[M], *, organization: Any, actor: Any, allowed: set[str], data: dict[str, Any]
) -> M:
    """A new record with the given or the next reference; the actor owns it unless another
    owner is named (contributors may only create records they own)."""
    require(actor, CHANGE, organization)
    _check_fields(data, allowed)
    check_member(organization, data.get("owner"), "owner")
    prefix = PREFIX[model]  # type: ignore[index]
    ref = (data.pop("ref", "") or "").strip()
    if ref:
        if model._default_manager.filter(organization=organization, ref=ref).exists():
            raise ValidationError({"ref": _("%s already exists.") % ref})
        reserve_ref(organization, prefix, ref)
    else:
        ref = next_ref(organization, prefix)
    record = model(organization=organization, ref=ref, **data)
    if record.owner_id is None and actor is not None:  # type: ignore[attr-defined]
        record.owner = actor  # type: ignore[attr-defined]
    require(actor, CHANGE, record)
    return record_create(record, actor=actor)


def _update[M: models.Model](
    record: M,
    *,
    actor: Any,
    allowed: set[str],
    data: dict[str, Any],
    version: int | None,
    if_match: bool,
) -> M:
    require(actor, CHANGE, record)
    _check_fields(data, allowed)
    check_member(record.organization, data.get("owner"), "owner")  # type: ignore[attr-defined]
    if "ref" in data and data.pop("ref") != record.ref:  # type: ignore[attr-defined]
        raise ValidationError({"ref": _("A reference never changes.")})
    if "owner" in data:
        probe = copy.copy(record)
        probe.owner = data["owner"]  # type: ignore[attr-defined]
        require(actor, CHANGE, probe)  # contributors cannot give it away
    return record_update(
        record, actor=actor, data=data, expected_version=version, if_match=if_match
    )


# --- issues -------------------------------------------------------------------------------------


def issue_create(*, organization: Any, actor: Any, **data: Any) -> ContextIssue:
    with transaction.atomic():
        return _create(
            ContextIssue, organization=organization, actor=actor, allowed=ISSUE_FIELDS, data=data
        )


def issue_update(
    *, issue: ContextIssue, actor: Any, version: int | None, if_match: bool = False, **data: Any
) -> ContextIssue:
    return _update(
        issue, actor=actor, allowed=ISSUE_FIELDS, data=data, version=version, if_match=if_match
    )


def issue_delete(
    *, issue: ContextIssue, actor: Any, version: int | None, if_match: bool = False
) -> None:
    require(actor, CHANGE, issue)
    record_delete(issue, actor=actor, expected_version=version, if_match=if_match)


# --- interested parties -------------------------------------------------------------------------


def party_create(*, organization: Any, actor: Any, **data: Any) -> InterestedParty:
    with transaction.atomic():
        return _create(
            InterestedParty,
            organization=organization,
            actor=actor,
            allowed=PARTY_FIELDS,
            data=data,
        )


def party_update(
    *,
    party: InterestedParty,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    **data: Any,
) -> InterestedParty:
    return _update(
        party, actor=actor, allowed=PARTY_FIELDS, data=data, version=version, if_match=if_match
    )


def party_delete(
    *, party: InterestedParty, actor: Any, version: int | None, if_match: bool = False
) -> None:
    """Refused while obligations name the party: delete or move them first."""
    require(actor, CHANGE, party)
    refs = list(party.obligations.order_by("ref").values_list("ref", flat=True)[:10])
    if refs:
        raise ValidationError(
            _(
                "%(party)s has obligations (%(refs)s); delete them or move them to another party first."
            )
            % {"party": party.ref, "refs": ", ".join(refs)}
        )
    record_delete(party, actor=actor, expected_version=version, if_match=if_match)


# --- obligations --------------------------------------------------------------------------------


def _check_party(organization: Any, party: Any) -> None:
    if party is not None and party.organization_id != organization.pk:
        raise ValidationError({"party": _("Unknown interested party.")})


def _set_links(
    obligation: Obligation,
    *,
    actor: Any,
    controls: Iterable[Any] | None,
    requirements: Iterable[Any] | None,
) -> None:
    if controls is not None:
        ids = check_owned(obligation.organization, controls, "controls", _("control"))
        record_m2m(obligation, actor=actor, field="controls", ids=ids)
    if requirements is not None:
        ids = check_requirements(obligation.organization, requirements, "requirements")
        record_m2m(obligation, actor=actor, field="requirements", ids=ids)


def obligation_create(
    *,
    organization: Any,
    actor: Any,
    controls: Iterable[Any] | None = None,
    requirements: Iterable[Any] | None = None,
    **data: Any,
) -> Obligation:
    _check_party(organization, data.get("party"))
    with transaction.atomic():
        obligation = _create(
            Obligation,
            organization=organization,
            actor=actor,
            allowed=OBLIGATION_FIELDS,
            data=data,
        )
        _set_links(obligation, actor=actor, controls=controls, requirements=requirements)
    return obligation


def obligation_update(
    *,
    obligation: Obligation,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    controls: Iterable[Any] | None = None,
    requirements: Iterable[Any] | None = None,
    **data: Any,
) -> Obligation:
    _check_party(obligation.organization, data.get("party"))
    with transaction.atomic():
        _update(
            obligation,
            actor=actor,
            allowed=OBLIGATION_FIELDS,
            data=data,
            version=version,
            if_match=if_match,
        )
        _set_links(obligation, actor=actor, controls=controls, requirements=requirements)
    return obligation


def obligation_delete(
    *, obligation: Obligation, actor: Any, version: int | None, if_match: bool = False
) -> None:
    require(actor, CHANGE, obligation)
    with transaction.atomic():
        if version is not None and version != obligation.version:  # before the links go
            error = PreconditionFailed if if_match else ConflictError
            raise error(obj=obligation, expected=version, current=obligation.version)
        record_m2m(obligation, actor=actor, field="controls", ids=[])
        record_m2m(obligation, actor=actor, field="requirements", ids=[])
        record_delete(obligation, actor=actor, expected_version=version, if_match=if_match)


# --- scope --------------------------------------------------------------------------------------


def scope_get_or_create(*, organization: Any, actor: Any) -> ScopeStatement:
    """The organisation's scope draft, created empty on first use."""
    scope = ScopeStatement.objects.filter(organization=organization).first()
    if scope is not None:
        return scope
    require(actor, CHANGE, organization)
    try:
        with transaction.atomic():
            return record_create(ScopeStatement(organization=organization), actor=actor)
    except ValidationError:
        return ScopeStatement.objects.get(organization=organization)


def scope_update(
    *,
    scope: ScopeStatement,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    assets: Iterable[Any] | None = None,
    **data: Any,
) -> ScopeStatement:
    """Edit the draft (text fields and, when given, the in-scope assets)."""
    require(actor, CHANGE, scope)
    _check_fields(data, SCOPE_FIELDS)
    with transaction.atomic():
        record_update(
            scope,
            actor=actor,
            data={**data, "updated_at": timezone.now()},
            expected_version=version,
            if_match=if_match,
        )
        if assets is not None:
            ids = check_owned(scope.organization, assets, "assets", _("asset"))
            record_m2m(scope, actor=actor, field="assets", ids=ids)
    return scope


def scope_save(
    *,
    organization: Any,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    assets: Iterable[Any] | None = None,
    **data: Any,
) -> ScopeStatement:
    """Edit the organisation's scope draft, creating it (version 1) on first use; all or
    nothing."""
    require(actor, CHANGE, organization)
    with transaction.atomic():
        scope = scope_get_or_create(organization=organization, actor=actor)
        return scope_update(
            scope=scope, actor=actor, version=version, if_match=if_match, assets=assets, **data
        )


def scope_content(scope: ScopeStatement) -> dict[str, Any]:
    """The draft as it would be frozen (one query for the assets)."""
    assets = [
        {"ref": ref, "name": name, "type": type_}
        for ref, name, type_ in scope.assets.order_by("ref").values_list("ref", "name", "type")
    ]
    return {
        "text": scope.text,
        "boundaries": scope.boundaries,
        "interfaces": scope.interfaces,
        "exclusions": scope.exclusions,
        "assets": assets,
    }


def content_hash(content: dict[str, Any]) -> str:
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def scope_approve(*, scope: ScopeStatement, actor: Any, comment: str = "") -> ScopeVersion:
    """Freeze the draft into the next numbered, immutable version. Refused when the statement
    text is empty, or when nothing changed since the latest version."""
    require(actor, APPROVE, scope)
    with transaction.atomic():
        locked = ScopeStatement.objects.select_for_update().get(pk=scope.pk)
        if not locked.text.strip():
            raise ValidationError({"text": _("Write the scope statement before approving it.")})
        content = scope_content(locked)
        digest = content_hash(content)
        latest = locked.versions.order_by("-number").first()
        if latest is not None and latest.content_hash == digest:
            raise ValidationError(
                _("Nothing changed since version %d; there is nothing to approve.") % latest.number
            )
        name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
        version = ScopeVersion(
            organization=locked.organization,
            scope=locked,
            number=(latest.number if latest else 0) + 1,
            approved_by=actor,
            approver_name=(f"{name} <{actor.email}>" if name else actor.email)[:254],
            approved_at=timezone.now(),
            comment=comment,
            content=content,
            content_hash=digest,
        )
        version.full_clean()
        try:
            with transaction.atomic():
                version.save(force_insert=True)
        except IntegrityError as exc:
            raise ValidationError(
                _("Someone approved the scope at the same moment; reload and check.")
            ) from exc
        record_event(
            instance=locked,
            actor=actor,
            action="approve",
            changes={
                "version": [latest.number if latest else None, version.number],
                "content_hash": [latest.content_hash if latest else None, digest],
            },
        )
    return version
