"""REST API for the Statement of Applicability: statements, their rows (with every derived
column and the consistency findings), row edits, approval, versions and comparison. Exports
are in ``openisms.soa.api_io``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from openisms.accounts.api import AUTH
from openisms.core.api import (
    ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    etag,
    expected_version,
    org_scope,
    request_actor,
)
from openisms.core.gate import get_scoped_or_404
from openisms.soa import selectors, services
from openisms.soa.models import Soa, SoaEntry

router = Router(auth=AUTH, tags=["soa"])


class FindingOut(Schema):
    code: str
    severity: Literal["error", "warning"]
    message: str


class EvidenceCounts(Schema):
    total: int
    fresh: int
    expiring: int
    stale: int


class RowOut(Schema):
    entry_id: int | None = Field(None, description="The draft row's id (drafts only).")
    version: int | None = Field(None, description="The draft row's version (drafts only).")
    ref_id: str
    name: str
    theme: str
    applicable: bool | None
    reasons: list[
        Literal["risk_treatment", "legal_regulatory", "contractual", "business_requirement"]
    ]
    risk_refs: list[str]
    legal_reference: str
    contractual_reference: str
    business_reference: str
    obligations: list[str] = Field(
        default_factory=list,
        description='Obligations driving it, e.g. "OB-001 GDPR security (legal)"; legal and '
        "regulatory ones make the legal_regulatory reason hold, contractual ones contractual.",
    )
    justification: str
    implementation_status: str = Field(
        ..., description="Derived from the implementing controls; empty when there is none."
    )
    controls: list[str]
    documents: list[str]
    evidence: list[str]
    evidence_counts: EvidenceCounts
    notes: str
    findings: list[FindingOut]


class SoaOut(Schema):
    id: int
    title: str
    classification: str
    framework_id: int
    framework_name: str
    version: int
    latest_approved: int | None
    changed_since_approval: bool


class SoaDetailOut(SoaOut):
    summary: dict[str, Any]
    rows: list[RowOut]


class SoaIn(Schema):
    model_config = {"extra": "forbid"}
    framework: int | str = Field(
        ...,
        description="Framework id or URN (urn:openisms:framework:iso27001-2022 for Annex A).",
    )


class SoaPatch(Schema):
    model_config = {"extra": "forbid"}
    title: str | None = Field(None, min_length=1, max_length=300)
    classification: str | None = Field(None, min_length=1, max_length=100)
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class EntryPatch(Schema):
    model_config = {"extra": "forbid"}
    applicable: bool | None = Field(None, description="true, false, or null (not decided).")
    legal_regulatory: bool | None = None
    legal_reference: str | None = None
    contractual: bool | None = None
    contractual_reference: str | None = None
    business_requirement: bool | None = None
    business_reference: str | None = None
    justification: str | None = None
    notes: str | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class ApproveIn(Schema):
    model_config = {"extra": "forbid"}
    comment: str = ""


class VersionOut(Schema):
    number: int
    approver_name: str
    approved_at: datetime
    comment: str
    classification: str
    framework_name: str
    content_hash: str


class VersionDetailOut(VersionOut):
    rows: list[RowOut]


class RowChangeOut(Schema):
    ref_id: str
    name: str
    changes: dict[str, list[Any]] = Field(..., description="column → [before, after]")


class ComparisonOut(Schema):
    before: str
    after: str
    added: list[str]
    removed: list[str]
    changed: list[RowChangeOut]


def _soa_out(soa: Soa) -> dict[str, Any]:
    latest = selectors.latest_version(soa)
    return {
        "id": soa.pk,
        "title": soa.title,
        "classification": soa.classification,
        "framework_id": soa.framework_id,
        "framework_name": soa.framework.name,
        "version": soa.version,
        "latest_approved": latest.number if latest else None,
        "changed_since_approval": latest is None
        or selectors.draft_hash(soa) != latest.content_hash,
    }


def _row_out(row: dict[str, Any]) -> dict[str, Any]:
    entry = row.get("entry")
    return {
        **{k: row[k] for k in selectors.ROW_KEYS},
        "entry_id": entry.pk if entry else None,
        "version": entry.version if entry else None,
        "findings": [
            {"code": f.code, "severity": f.severity, "message": f.message} for f in row["findings"]
        ],
    }


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    s = selectors.summarize(rows)
    return {
        "total": s.total,
        "applicable": s.applicable,
        "excluded": s.excluded,
        "undecided": s.undecided,
        "errors": s.errors,
        "warnings": s.warnings,
        "by_status": s.by_status,
    }


@router.get(
    "/orgs/{slug}/soa/",
    response={200: list[SoaOut], **ERROR_RESPONSES},
    summary="The organisation's statements (one per framework)",
)
def soa_list(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, "soa.view_soa")
    return [_soa_out(s) for s in selectors.soa_list(organization=org)]


@router.post(
    "/orgs/{slug}/soa/",
    response={201: SoaOut, **WRITE_ERROR_RESPONSES},
    summary="Create the draft statement for a framework (one undecided row per control)",
)
def soa_create(request: HttpRequest, slug: str, payload: SoaIn) -> Any:
    org = org_scope(request, slug, "soa.change_soa")
    frameworks = selectors.statement_frameworks(org)
    if isinstance(payload.framework, int):
        framework = frameworks.filter(pk=payload.framework).first()
    else:
        framework = frameworks.filter(urn=payload.framework).first()
    if framework is None:
        raise Http404
    soa = services.soa_create(organization=org, actor=request_actor(request), framework=framework)
    return Status(201, _soa_out(soa))


@router.get(
    "/orgs/{slug}/soa/{soa_id}/",
    response={200: SoaDetailOut, **ERROR_RESPONSES},
    summary="The draft statement: every row with its derived columns and findings",
)
def soa_get(request: HttpRequest, slug: str, soa_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, "soa.view_soa")
    soa = selectors.soa_get(organization=org, pk=soa_id)
    rows = selectors.draft_rows(soa, full=True)
    response["ETag"] = etag(soa.version)
    return {**_soa_out(soa), "summary": _summary(rows), "rows": [_row_out(r) for r in rows]}


@router.patch(
    "/orgs/{slug}/soa/{soa_id}/",
    response={200: SoaOut, **WRITE_ERROR_RESPONSES},
    summary="Change the statement's title or classification",
)
def soa_patch(
    request: HttpRequest, slug: str, soa_id: int, payload: SoaPatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "soa.change_soa")
    soa = selectors.soa_get(organization=org, pk=soa_id)
    version, if_match = expected_version(request, payload.version)
    soa = services.soa_update(
        soa=soa,
        actor=request_actor(request),
        version=version,
        if_match=if_match,
        **payload.model_dump(exclude_unset=True, exclude={"version"}),
    )
    response["ETag"] = etag(soa.version)
    return _soa_out(soa)


@router.patch(
    "/orgs/{slug}/soa-rows/{entry_id}/",
    response={200: RowOut, **WRITE_ERROR_RESPONSES},
    summary="Edit one draft row (refused, naming the rule, when it would be inconsistent)",
)
def entry_patch(
    request: HttpRequest, slug: str, entry_id: int, payload: EntryPatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "soa.change_soa")
    entry = get_scoped_or_404(SoaEntry.objects.select_related("soa"), org, pk=entry_id)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    nulls = {k: _("May not be null.") for k, v in data.items() if v is None and k != "applicable"}
    if nulls:
        raise ValidationError(nulls)
    version, if_match = expected_version(request, payload.version)
    entry = services.entry_update(
        entry=entry, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    response["ETag"] = etag(entry.version)
    row = next(r for r in selectors.draft_rows(entry.soa, full=True) if r["entry"].pk == entry.pk)
    return _row_out(row)


@router.post(
    "/orgs/{slug}/soa/{soa_id}/approve/",
    response={201: VersionOut, **WRITE_ERROR_RESPONSES},
    summary="Approve the draft: freeze it into the next numbered, immutable version",
)
def soa_approve(request: HttpRequest, slug: str, soa_id: int, payload: ApproveIn) -> Any:
    org = org_scope(request, slug, "soa.approve_soa")
    soa = selectors.soa_get(organization=org, pk=soa_id)
    version = services.soa_approve(soa=soa, actor=request_actor(request), comment=payload.comment)
    return Status(201, version)


@router.get(
    "/orgs/{slug}/soa/{soa_id}/versions/",
    response={200: list[VersionOut], **ERROR_RESPONSES},
    summary="Approved versions, newest first",
)
def version_list(request: HttpRequest, slug: str, soa_id: int) -> Any:
    org = org_scope(request, slug, "soa.view_soa")
    return selectors.version_list(soa=selectors.soa_get(organization=org, pk=soa_id))


@router.get(
    "/orgs/{slug}/soa/{soa_id}/versions/{number}/",
    response={200: VersionDetailOut, **ERROR_RESPONSES},
    summary="One approved version with its frozen rows",
)
def version_get(request: HttpRequest, slug: str, soa_id: int, number: int) -> Any:
    org = org_scope(request, slug, "soa.view_soa")
    soa = selectors.soa_get(organization=org, pk=soa_id)
    version = selectors.version_get(soa=soa, number=number)
    return {
        **{k: getattr(version, k) for k in VersionOut.model_fields},
        "rows": [_row_out(r) for r in selectors.version_rows(version)],
    }


class CompareQuery(Schema):
    before: str = Field(..., pattern=r"^(\d+|draft)$", description="A version number or draft.")
    after: str = Field("draft", pattern=r"^(\d+|draft)$", description="A version number or draft.")


@router.get(
    "/orgs/{slug}/soa/{soa_id}/compare/",
    response={200: ComparisonOut, **ERROR_RESPONSES},
    summary="Compare two versions, or a version and the draft",
)
def soa_compare(request: HttpRequest, slug: str, soa_id: int, query: Query[CompareQuery]) -> Any:
    org = org_scope(request, slug, "soa.view_soa")
    soa = selectors.soa_get(organization=org, pk=soa_id)

    def load(key: str) -> list[dict[str, Any]]:
        if key == "draft":
            return selectors.frozen(selectors.draft_rows(soa, full=True))
        return selectors.version_get(soa=soa, number=int(key)).rows

    diff = selectors.compare(load(query.before), load(query.after))
    return {
        "before": query.before,
        "after": query.after,
        "added": [r["ref_id"] for r in diff.added],
        "removed": [r["ref_id"] for r in diff.removed],
        "changed": [
            {
                "ref_id": c.ref_id,
                "name": c.name,
                "changes": {k: list(v) for k, v in c.changes.items()},
            }
            for c in diff.changed
        ],
    }
