"""Writes for the Statement of Applicability: create the draft, edit rows under the
consistency rules, approve (freeze an immutable, numbered version)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.catalog.models import Framework
from openisms.core.gate import require
from openisms.core.services import record_create, record_create_many, record_event, record_update
from openisms.soa import selectors
from openisms.soa.models import Soa, SoaEntry, SoaVersion

ENTRY_FIELDS = {
    "applicable",
    "legal_regulatory",
    "legal_reference",
    "contractual",
    "contractual_reference",
    "business_requirement",
    "business_reference",
    "justification",
    "notes",
}
SOA_FIELDS = {"title", "classification"}
REFERENCE_OF = {
    "legal_regulatory": "legal_reference",
    "contractual": "contractual_reference",
    "business_requirement": "business_reference",
}


def soa_create(*, organization: Any, actor: Any, framework: Framework) -> Soa:
    """A draft statement with one undecided row per control of ``framework``."""
    require(actor, "soa.change_soa", organization)
    if not selectors.statement_frameworks(organization).filter(pk=framework.pk).exists():
        raise ValidationError({"framework": _("Unknown framework.")})
    with transaction.atomic():
        if Soa.objects.filter(organization=organization, framework=framework).exists():
            raise ValidationError(
                {"framework": _("A Statement of Applicability for %s exists.") % framework.name}
            )
        title = _("Statement of Applicability")
        if framework.urn != selectors.ISO27001_2022:
            title = f"{title} — {framework.name}"
        soa = record_create(
            Soa(organization=organization, framework=framework, title=title[:300]), actor=actor
        )
        nodes = list(selectors.soa_rows_for(framework))
        if not nodes:
            raise ValidationError({"framework": _("%s has no requirements.") % framework.name})
        record_create_many(
            [
                SoaEntry(organization=organization, soa=soa, requirement=node, order=i)
                for i, node in enumerate(nodes, start=1)
            ],
            organization=organization,
            actor=actor,
            exclude_validation=["organization", "soa", "requirement"],
        )
    return soa


def soa_update(
    *, soa: Soa, actor: Any, version: int | None, if_match: bool = False, **data: Any
) -> Soa:
    require(actor, "soa.change_soa", soa)
    unknown = set(data) - SOA_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    return record_update(soa, actor=actor, data=data, expected_version=version, if_match=if_match)


def entry_update(
    *, entry: SoaEntry, actor: Any, version: int | None, if_match: bool = False, **data: Any
) -> SoaEntry:
    """Edit one row. Refused, naming the rule, when the row would break a consistency rule
    (a control selected by a risk treatment cannot be excluded; an applicable control needs a
    reason; an excluded one a justification of at least a sentence)."""
    require(actor, "soa.change_soa", entry)
    unknown = set(data) - ENTRY_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    # Excluding a control drops its reasons for inclusion; unticking a reason clears its
    # reference.
    if data.get("applicable") is False:
        for flag in REFERENCE_OF:
            data[flag] = False
    for flag, key in REFERENCE_OF.items():
        if data.get(flag) is False and key not in data:
            data[key] = ""
    probe = SoaEntry(
        **{f.attname: getattr(entry, f.attname) for f in SoaEntry._meta.concrete_fields}
    )
    for key, value in data.items():
        setattr(probe, key, value)
    _check_entry(entry.soa, probe)
    with transaction.atomic():
        record_update(
            entry,
            actor=actor,
            data={**data, "updated_at": timezone.now()},
            expected_version=version,
            if_match=if_match,
        )
        Soa.objects.filter(pk=entry.soa_id).update(draft_changed_at=timezone.now())
    return entry


def _check_entry(soa: Soa, entry: SoaEntry) -> None:
    errors: dict[str, str] = {}
    if entry.applicable is False:
        refs = selected_by(soa, entry.requirement_id)
        if refs:
            errors["applicable"] = _(
                "This control is selected by the treatment of %s; it cannot be excluded."
            ) % ", ".join(refs[:10])
        if not selectors.is_sentence(entry.justification or ""):
            errors["justification"] = _(
                "Justify the exclusion in at least a sentence (%(chars)d characters, "
                "%(words)d words)."
            ) % {
                "chars": selectors.MIN_JUSTIFICATION_CHARS,
                "words": selectors.MIN_JUSTIFICATION_WORDS,
            }
    elif entry.applicable is True:
        if (entry.justification or "").strip():
            errors["justification"] = _("Only an excluded control has a justification.")
        has_reason = entry.legal_regulatory or entry.contractual or entry.business_requirement
        if (
            not has_reason
            and not selected_by(soa, entry.requirement_id)
            and not obligation_reasons(soa, entry.requirement_id)
        ):
            errors["applicable"] = _(
                "Give at least one reason for inclusion (no risk treatment selects this control "
                "and no legal, regulatory or contractual obligation drives it)."
            )
    for flag, ref_field in (
        ("legal_regulatory", "legal_reference"),
        ("contractual", "contractual_reference"),
    ):
        if getattr(entry, flag) and not (getattr(entry, ref_field) or "").strip():
            errors[ref_field] = _("Name the obligation (law, regulation or contract).")
    if errors:
        raise ValidationError(errors)


def selected_by(soa: Soa, requirement_id: int) -> list[str]:
    """Refs of the open risks whose treatment selects the requirement (directly or through an
    implementing control)."""
    from openisms.controls.models import Control
    from openisms.risks.models import Risk

    direct = Risk.annex_a_controls.through.objects.filter(requirementnode_id=requirement_id)
    via_controls = Control.risks.through.objects.filter(
        control__requirements=requirement_id, control__organization_id=soa.organization_id
    )
    return list(
        Risk.objects.filter(organization_id=soa.organization_id)
        .exclude(status="closed")
        .filter(Q(pk__in=direct.values("risk_id")) | Q(pk__in=via_controls.values("risk_id")))
        .order_by("ref")
        .values_list("ref", flat=True)
    )


def obligation_reasons(soa: Soa, requirement_id: int) -> list[str]:
    """The inclusion reasons (legal_regulatory, contractual) that the organisation's
    obligations addressed by the ISMS give the requirement (directly or through an
    implementing control)."""
    found = selectors.obligations_by_requirement(soa, requirement_id).get(requirement_id, [])
    return sorted(
        {selectors.OBLIGATION_REASON[k] for _r, _t, k in found if k in selectors.OBLIGATION_REASON}
    )


def soa_approve(*, soa: Soa, actor: Any, comment: str = "") -> SoaVersion:
    """Freeze the draft into the next numbered, immutable version. Refused while a row breaks
    a consistency rule, or when nothing changed since the latest version."""
    require(actor, "soa.approve_soa", soa)
    with transaction.atomic():
        locked = Soa.objects.select_for_update().get(pk=soa.pk)
        rows = selectors.draft_rows(locked, full=True)
        errors = [
            f"{row['ref_id']}: {f.message}"
            for row in rows
            for f in row["findings"]
            if f.severity == "error"
        ]
        if errors:
            shown = "; ".join(errors[:5])
            more = len(errors) - 5
            raise ValidationError(
                _("The statement is not consistent (%(n)d problems): %(list)s%(more)s")
                % {"n": len(errors), "list": shown, "more": f" … (+{more})" if more > 0 else ""}
            )
        data = selectors.frozen(rows)
        latest = selectors.latest_version(locked)
        content_hash = selectors.rows_hash(data)
        if latest is not None and latest.content_hash == content_hash:
            raise ValidationError(
                _("Nothing changed since version %d; there is nothing to approve.") % latest.number
            )
        name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
        version = SoaVersion(
            organization=locked.organization,
            soa=locked,
            number=(latest.number if latest else 0) + 1,
            approved_by=actor,
            approver_name=(f"{name} <{actor.email}>" if name else actor.email)[:254],
            approved_at=timezone.now(),
            comment=comment,
            classification=locked.classification,
            framework_name=locked.framework.name,
            rows=data,
            content_hash=content_hash,
        )
        version.full_clean()
        try:
            with transaction.atomic():
                version.save(force_insert=True)
        except IntegrityError as exc:  # another approval took the number (SQLite has no row lock)
            raise ValidationError(
                _("Someone approved the statement at the same moment; reload and check.")
            ) from exc
        record_event(
            instance=locked,
            actor=actor,
            action="approve",
            changes={
                "version": [latest.number if latest else None, version.number],
                "content_hash": [latest.content_hash if latest else None, content_hash],
            },
        )
    return version
