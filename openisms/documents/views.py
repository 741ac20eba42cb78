"""The document register pages (ISO/IEC 27001 7.5, 5.2): the list (filters type, status, owner,
review overdue) and its CSV/XLSX export, a document's page (the version in force rendered, the
working draft, the version history, lifecycle buttons), the forms (new document, register entry,
working draft), a version's page and a file version's download (permission checked,
attachment, sandboxed), and the generation of the risk methodology document."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from openisms.controls import storage
from openisms.controls.evidence_services import file_downloaded
from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, posted_version
from openisms.core.registers import register_export
from openisms.core.views import OrgScopedMixin
from openisms.documents import selectors, services
from openisms.documents.choices import DocumentStatus, Transition, VersionStatus
from openisms.documents.forms import (
    DocumentFilterForm,
    DocumentForm,
    DraftForm,
    StartForm,
    document_initial,
)
from openisms.documents.models import Document, DocumentVersion
from openisms.documents.rendering import render_markdown

VIEW = services.VIEW
CHANGE = services.CHANGE
APPROVE = services.APPROVE
SORT_COLUMNS = {
    "ref": gettext_lazy("Ref"),
    "title": gettext_lazy("Title"),
    "next_review": gettext_lazy("Next review"),
}
STATUS_TONES: dict[str, str] = {
    DocumentStatus.DRAFT.value: "grey",
    DocumentStatus.IN_REVIEW.value: "blue",
    DocumentStatus.APPROVED.value: "green",
    DocumentStatus.RETIRED.value: "grey",
}


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


def _refusal(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ConflictError):
        messages.error(request, exc.message)
    elif isinstance(exc, ValidationError):
        for message in exc.messages:
            messages.error(request, str(message))
    else:
        messages.error(request, str(exc) or _("Your role does not allow this."))


def _file_facts(version: DocumentVersion) -> dict[str, str]:
    if version.file is None:
        return {}
    return {
        "type": storage.type_label(version.file.content_type),
        "size": storage.human_size(version.file.size),
    }


# --- the register -------------------------------------------------------------------------------


class DocumentListView(OrgScopedMixin, View):
    permission_required = VIEW
    page_size = 50

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        today = timezone.localdate()
        form = DocumentFilterForm(request.GET or None, organization=org)
        filters = form.filters()
        documents = selectors.document_list(organization=org, filters=filters, today=today)
        page = Paginator(documents, self.page_size).get_page(request.GET.get("page"))
        rows = []
        for document in page.object_list:
            working = selectors.working_of(document)
            rows.append(
                {
                    "document": document,
                    "working": working,
                    "overdue": selectors.is_overdue(document, today),
                    "tone": STATUS_TONES.get(document.status, "grey"),
                }
            )
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "columns": self._columns(query, filters.sort),
            "can_change": self.actor.has_perm(CHANGE, org),
        }
        template = "documents/document_list.html"
        if getattr(request, "htmx", False):
            template += "#results"
        response = render(request, template, context)
        response["Vary"] = "HX-Request"
        return response

    @staticmethod
    def _columns(query: Any, sort: str) -> dict[str, dict[str, Any]]:
        columns = {}
        for key, label in SORT_COLUMNS.items():
            q = query.copy()
            q["sort"] = f"-{key}" if sort == key else key
            direction = {key: "ascending", f"-{key}": "descending"}.get(sort, "")
            columns[key] = {"label": label, "query": q.urlencode(), "direction": direction}
        return columns


class DocumentExportView(OrgScopedMixin, View):
    """The register (same filters) as ``?format=csv`` (default) or ``xlsx``."""

    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        filters = DocumentFilterForm(request.GET or None, organization=org).filters()
        return register_export(
            selectors.EXPORT_HEADER,
            selectors.export_rows(organization=org, filters=filters),
            fmt=request.GET.get("format", "csv"),
            name="documents",
            organization=org,
        )


# --- create, edit, delete -----------------------------------------------------------------------


class DocumentCreateView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "documents/document_form.html"

    def _render(self, form: DocumentForm, status: int = 200) -> HttpResponse:
        return render(
            self.request, self.template_name, {"form": form, "document": None}, status=status
        )

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self._render(DocumentForm(organization=self.organization))

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = DocumentForm(request.POST, request.FILES, organization=self.organization)
        status = 422
        if form.is_valid():
            try:
                document = services.document_create(
                    organization=self.organization, actor=self.actor, **form.service_data()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            except PermissionDenied:
                form.add_error("owner", _("Your role lets you add only documents you own."))
                status = 403
            else:
                messages.success(request, _("%s was added.") % document)
                return redirect("documents:document_detail", org_slug=org_slug, pk=document.pk)
        return self._render(form, status)


class DocumentEditView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "documents/document_form.html"

    def _document(self, pk: int) -> Document:
        document = selectors.document_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm(CHANGE, document):
            raise PermissionDenied(_("Your role does not allow this."))
        return document

    def _render(self, form: DocumentForm, document: Document, status: int = 200) -> HttpResponse:
        context = {"form": form, "document": document}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        document = self._document(pk)
        form = DocumentForm(
            initial=document_initial(document), organization=self.organization, document=document
        )
        return self._render(form, document)

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        document = self._document(pk)
        form = DocumentForm(request.POST, organization=self.organization, document=document)
        status = 422
        if form.is_valid():
            try:
                services.document_update(
                    document=document,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            except PermissionDenied as exc:
                form.add_error("owner", str(exc))
                status = 403
            else:
                messages.success(request, _("%s was saved.") % document)
                return redirect("documents:document_detail", org_slug=org_slug, pk=document.pk)
            document = self._document(pk)
        return self._render(form, document, status)


class DocumentDeleteView(OrgScopedMixin, View):
    """Delete a document never approved (POST with the version seen)."""

    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        document = selectors.document_get(organization=self.organization, pk=pk)
        try:
            services.document_delete(
                document=document, actor=self.actor, version=posted_version(request)
            )
        except (ValidationError, ConflictError, PermissionDenied) as exc:
            _refusal(request, exc)
            return redirect("documents:document_detail", org_slug=org_slug, pk=document.pk)
        messages.success(request, _("%s was deleted.") % document)
        return redirect("documents:document_list", org_slug=org_slug)


# --- one document -------------------------------------------------------------------------------


class DocumentDetailView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        org, user = self.organization, self.actor
        document = selectors.document_get(organization=org, pk=pk)
        versions = list(selectors.version_list(document=document))
        working = next((v for v in versions if v.status != VersionStatus.APPROVED), None)
        current = next((v for v in versions if v.pk == document.current_version_id), None)
        shown = current or working
        can_change = user.has_perm(CHANGE, document)
        can_approve = user.has_perm(APPROVE, document)
        allowed = services.allowed_transitions(document, working)
        transitions = [
            (t, Transition(t).label)
            for t in allowed
            if (t == Transition.RETIRE and can_approve) or (t != Transition.RETIRE and can_change)
        ]
        context = {
            "document": document,
            "versions": versions,
            "working": working,
            "current": current,
            "shown": shown,
            "shown_html": render_markdown(shown.body_markdown)
            if shown and not shown.file_id
            else "",
            "shown_file": _file_facts(shown) if shown else {},
            "overdue": selectors.is_overdue(document),
            "tone": STATUS_TONES.get(document.status, "grey"),
            "can_change": can_change and document.status != DocumentStatus.RETIRED,
            "can_approve": can_approve
            and working is not None
            and working.status == VersionStatus.IN_REVIEW
            and document.status != DocumentStatus.RETIRED,
            "can_start": can_change
            and working is None
            and document.status != DocumentStatus.RETIRED,
            "can_delete": can_change and not any(v.is_approved for v in versions),
            "can_audit": user.has_perm("core.view_auditlog", org),
            "controls": selectors.document_controls(document=document)
            if user.has_perm("controls.view_control", org)
            else None,
            "transitions": transitions,
            "start_form": StartForm(initial={"version": document.version}),
        }
        return render(request, "documents/document_detail.html", context)


class VersionDetailView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int, version_pk: int) -> HttpResponse:
        document = selectors.document_get(organization=self.organization, pk=pk)
        version = selectors.version_get(document=document, pk=version_pk)
        context = {
            "document": document,
            "v": version,
            "html": render_markdown(version.body_markdown) if not version.file_id else "",
            "file": _file_facts(version),
            "in_force": version.pk == document.current_version_id,
            "can_audit": self.actor.has_perm("core.view_auditlog", self.organization),
        }
        return render(request, "documents/version_detail.html", context)


class VersionDownloadView(OrgScopedMixin, View):
    """A file version's file, to anyone who may see the register (never inline)."""

    permission_required = VIEW

    def get(
        self, request: HttpRequest, org_slug: str, pk: int, version_pk: int
    ) -> HttpResponseBase:
        document = selectors.document_get(organization=self.organization, pk=pk)
        version = selectors.version_get(document=document, pk=version_pk)
        if version.file is None:
            return redirect(
                "documents:version_detail", org_slug=org_slug, pk=document.pk, version_pk=version.pk
            )
        response = storage.download_response(
            sha256=version.file.sha256,
            content_type=version.file.content_type,
            filename=version.filename,
        )
        file_downloaded(
            instance=version,
            actor=self.actor,
            perm=VIEW,
            filename=version.filename,
            file=version.file,
        )
        return response


# --- the working draft and the lifecycle --------------------------------------------------------


class DraftEditView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "documents/draft_form.html"

    def _load(self, pk: int) -> tuple[Document, DocumentVersion | None]:
        document = selectors.document_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm(CHANGE, document):
            raise PermissionDenied(_("Your role does not allow this."))
        return document, services.working_version(document)

    def _render(
        self, form: DraftForm, document: Document, draft: DocumentVersion, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "document": document, "draft": draft}
        return render(self.request, self.template_name, context, status=status)

    def _no_draft(self, document: Document) -> HttpResponse:
        messages.error(
            self.request,
            _("%s has no draft to edit: start a new version, or return the one in review to draft.")
            % document.ref,
        )
        return redirect(
            "documents:document_detail", org_slug=self.organization.slug, pk=document.pk
        )

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        document, draft = self._load(pk)
        if draft is None or draft.status != VersionStatus.DRAFT or document.status == "retired":
            return self._no_draft(document)
        form = DraftForm(
            initial={
                "body_markdown": draft.body_markdown,
                "change_note": draft.change_note,
                "version": draft.version,
            }
        )
        return self._render(form, document, draft)

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        document, draft = self._load(pk)
        if draft is None or draft.status != VersionStatus.DRAFT or document.status == "retired":
            return self._no_draft(document)
        form = DraftForm(request.POST, request.FILES)
        status = 422
        if form.is_valid():
            try:
                services.draft_update(
                    document=document,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("Version %s was saved.") % draft.number)
                return redirect("documents:document_detail", org_slug=org_slug, pk=document.pk)
            draft = services.working_version(document) or draft
        return self._render(form, document, draft, status)


class DraftStartView(OrgScopedMixin, View):
    """Open the next version (minor or major) as a draft (POST from the document's page)."""

    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        document = selectors.document_get(organization=self.organization, pk=pk)
        form = StartForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose minor or major, from the document's page."))
            return redirect("documents:document_detail", org_slug=org_slug, pk=document.pk)
        try:
            draft = services.draft_start(
                document=document,
                actor=self.actor,
                bump=form.cleaned_data["bump"],
                version=form.cleaned_data["version"],
            )
        except (ValidationError, ConflictError, PermissionDenied) as exc:
            _refusal(request, exc)
            return redirect("documents:document_detail", org_slug=org_slug, pk=document.pk)
        messages.success(request, _("Version %s was started as a draft.") % draft.number)
        return redirect("documents:draft_edit", org_slug=org_slug, pk=document.pk)


class DocumentTransitionView(OrgScopedMixin, View):
    """Submit for review, return to draft, retire (POST ``to`` and the version seen)."""

    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        document = selectors.document_get(organization=self.organization, pk=pk)
        to = request.POST.get("to", "")
        try:
            services.document_transition(
                document=document, actor=self.actor, to=to, version=posted_version(request)
            )
        except (ValidationError, ConflictError, PermissionDenied) as exc:
            _refusal(request, exc)
        else:
            messages.success(
                request,
                _("%(doc)s: %(what)s.") % {"doc": document.ref, "what": Transition(to).label},
            )
        return redirect("documents:document_detail", org_slug=org_slug, pk=document.pk)


class DocumentApproveView(OrgScopedMixin, View):
    """Approve the version in review as the signed-in user (POST with the version seen)."""

    permission_required = APPROVE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        document = selectors.document_get(organization=self.organization, pk=pk)
        try:
            approved = services.document_approve(
                document=document,
                actor=self.actor,
                version=posted_version(request),
                comment=request.POST.get("comment", "")[:2000],
            )
        except (ValidationError, ConflictError, PermissionDenied) as exc:
            _refusal(request, exc)
        else:
            messages.success(
                request,
                _("%(doc)s version %(n)s was approved.")
                % {"doc": document.ref, "n": approved.number},
            )
        return redirect("documents:document_detail", org_slug=org_slug, pk=document.pk)


class MethodologyGenerateView(OrgScopedMixin, View):
    """Write the current risk methodology into the "Risk assessment methodology" procedure."""

    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        try:
            document, version = services.methodology_document_generate(
                organization=self.organization, actor=self.actor
            )
        except (ValidationError, PermissionDenied) as exc:
            _refusal(request, exc)
            return redirect("documents:document_list", org_slug=org_slug)
        messages.success(
            request,
            _(
                "%(doc)s version %(n)s was generated from the risk methodology; review and submit it."
            )
            % {"doc": document, "n": version.number},
        )
        return redirect("documents:document_detail", org_slug=org_slug, pk=document.pk)
