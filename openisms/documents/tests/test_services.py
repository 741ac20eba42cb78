"""The document register's services: create with the first version, edit the entry and the
working draft (body or file), the lifecycle with its refusals, approval (named approver, date,
immutability, next review), new versions, deletion, permissions, the methodology document."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openisms.core.exceptions import ConflictError
from openisms.core.models import AuditEvent
from openisms.documents import services
from openisms.documents.models import Document, DocumentVersion
from openisms.documents.tests.helpers import (  # noqa: F401 - fixture
    POLICY,
    _evidence_root,
    approve,
    make_doc,
    submit,
    text_file,
)
from openisms.risks import services as risk_services
from openisms.risks.selectors import methodology_current

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(org, member):
    return member(org, "manager", email="manager@acme.test", full_name="Mia Manager")


@pytest.fixture
def contributor(org, member):
    return member(org, "contributor", email="contributor@acme.test")


@pytest.fixture
def viewer(org, member):
    return member(org, "viewer", email="viewer@acme.test")


def test_create_gives_ref_owner_and_a_first_draft(org, owner):
    doc = make_doc(org, owner, classification="Internal", retention="5 years")
    assert doc.ref == "DOC-001" and doc.owner == owner and doc.status == "draft"
    (v,) = DocumentVersion.objects.filter(document=doc)
    assert (v.major, v.minor, v.status) == (1, 0, "draft")
    assert v.body_markdown == POLICY and len(v.content_hash) == 64
    assert make_doc(org, owner, title="Second").ref == "DOC-002"
    assert AuditEvent.objects.filter(object_type="documents.document", action="create").count() == 2


def test_create_validates_fields_and_number(org, owner):
    with pytest.raises(ValidationError) as exc:
        make_doc(org, owner, title="  ")
    assert "title" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_doc(org, owner, type="memo")
    assert "type" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_doc(org, owner, number="v1")
    assert "number" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_doc(org, owner, upload=text_file(), body_markdown="text")
    assert "body_markdown" in exc.value.message_dict
    assert not Document.objects.exists()


def test_create_with_a_file_uses_the_evidence_store(org, owner):
    doc = make_doc(org, owner, upload=text_file(), number="0.1")
    v = DocumentVersion.objects.get(document=doc)
    assert v.file is not None and v.filename == "policy.txt" and v.body_markdown == ""
    assert v.content_hash == v.file.sha256 and v.number == "0.1"


def test_html_files_are_refused_like_evidence(org, owner):
    with pytest.raises(ValidationError) as exc:
        make_doc(org, owner, upload=text_file("p.html", "<html><script>x</script></html>"))
    assert "file" in exc.value.message_dict
    assert not Document.objects.exists()


def test_contributor_acts_only_on_own_documents(org, owner, contributor):
    with pytest.raises(PermissionDenied):
        make_doc(org, contributor, owner=owner)
    mine = make_doc(org, contributor)
    assert mine.owner == contributor
    theirs = make_doc(org, owner)
    with pytest.raises(PermissionDenied):
        services.document_update(document=theirs, actor=contributor, version=1, title="X")
    with pytest.raises(PermissionDenied):
        services.document_update(document=mine, actor=contributor, version=1, owner=owner)
    submit(mine, contributor)
    with pytest.raises(PermissionDenied):  # contributors do not approve
        services.document_approve(document=mine, actor=contributor, version=mine.version)


def test_viewer_cannot_write(org, owner, viewer):
    with pytest.raises(PermissionDenied):
        make_doc(org, viewer)


def test_stale_edit_is_refused(org, owner):
    doc = make_doc(org, owner)
    services.document_update(document=doc, actor=owner, version=1, title="New title")
    stale = Document.objects.get(pk=doc.pk)
    stale.version = 1
    with pytest.raises(ConflictError):
        services.document_update(document=stale, actor=owner, version=1, title="Other")
    with pytest.raises(ConflictError):
        services.draft_update(document=doc, actor=owner, version=5, body_markdown="x")


def test_draft_body_and_file_replace_each_other(org, owner):
    doc = make_doc(org, owner)
    v = services.draft_update(document=doc, actor=owner, version=1, upload=text_file())
    assert v.file is not None and v.body_markdown == ""
    # An empty body keeps the file; a body replaces it.
    v = services.draft_update(document=doc, actor=owner, version=v.version, body_markdown="")
    assert v.file is not None
    v = services.draft_update(document=doc, actor=owner, version=v.version, body_markdown="# New")
    assert v.file is None and v.body_markdown == "# New"
    assert v.content_hash == services.content_hash("# New", None)


def test_submit_return_and_refusals_say_why(org, owner):
    doc = make_doc(org, owner, body_markdown="")
    with pytest.raises(ValidationError, match="empty"):
        submit(doc, owner)
    services.draft_update(document=doc, actor=owner, version=1, body_markdown="# Body")
    submit(doc, owner)
    assert doc.status == "in_review"
    with pytest.raises(ValidationError, match="only a draft can be submitted"):
        submit(doc, owner)
    with pytest.raises(ValidationError, match="in review"):
        services.draft_update(document=doc, actor=owner, version=2, body_markdown="x")
    services.document_transition(document=doc, actor=owner, to="draft", version=doc.version)
    assert doc.status == "draft"
    with pytest.raises(ValidationError, match="only a version in review"):
        services.document_transition(document=doc, actor=owner, to="draft", version=doc.version)
    with pytest.raises(ValidationError, match="Unknown transition"):
        services.document_transition(document=doc, actor=owner, to="approved", version=doc.version)


def test_approve_names_the_approver_freezes_and_sets_next_review(org, owner, manager):
    doc = make_doc(org, owner, review_interval_months=6)
    submit(doc, owner)
    with pytest.raises(ConflictError):
        services.document_approve(document=doc, actor=manager, version=1)
    v = services.document_approve(document=doc, actor=manager, version=doc.version, comment="OK")
    doc.refresh_from_db()
    today = timezone.localdate()
    assert v.status == "approved" and v.approved_by == manager
    assert v.approver_name == "Mia Manager <manager@acme.test>"
    assert timezone.localdate(v.approved_at) == today and v.approval_comment == "OK"
    assert doc.current_version == v and doc.status == "approved"
    assert doc.next_review == services.add_months(today, 6)
    assert AuditEvent.objects.filter(object_type="documents.document", action="approve").exists()
    # Immutable: the model refuses to save or delete it; the services refuse to edit it.
    frozen = DocumentVersion.objects.get(pk=v.pk)
    frozen.body_markdown = "tampered"
    with pytest.raises(ValueError, match="immutable"):
        frozen.save()
    with pytest.raises(ValueError, match="immutable"):
        frozen.delete()
    with pytest.raises(ValidationError, match="no working draft"):
        services.draft_update(document=doc, actor=owner, version=v.version, body_markdown="x")
    assert DocumentVersion.objects.get(pk=v.pk).body_markdown == POLICY


def test_approve_needs_review_first(org, owner):
    doc = make_doc(org, owner)
    with pytest.raises(ValidationError, match="submit it for review first"):
        services.document_approve(document=doc, actor=owner, version=1)


def test_new_versions_minor_and_major(org, owner):
    doc = make_doc(org, owner)
    approve(doc, owner)
    v11 = services.draft_start(document=doc, actor=owner, bump="minor")
    assert v11.number == "1.1" and v11.body_markdown == POLICY and v11.status == "draft"
    with pytest.raises(ValidationError, match="already being worked on"):
        services.draft_start(document=doc, actor=owner, bump="major")
    doc.refresh_from_db()
    assert doc.status == "approved"  # v1.0 stays in force while v1.1 is drafted
    services.draft_update(document=doc, actor=owner, version=1, body_markdown="# v1.1")
    approve(doc, owner)
    doc.refresh_from_db()
    assert doc.current_version == v11
    v2 = services.draft_start(document=doc, actor=owner, bump="major")
    assert v2.number == "2.0"
    numbers = [v.number for v in DocumentVersion.objects.filter(document=doc)]
    assert numbers == ["2.0", "1.1", "1.0"]


def test_retire_needs_approver_and_freezes_the_document(org, owner, contributor):
    doc = make_doc(org, contributor)
    with pytest.raises(PermissionDenied):
        services.document_transition(document=doc, actor=contributor, to="retired", version=1)
    approve(doc, owner)
    services.document_transition(document=doc, actor=owner, to="retired", version=doc.version)
    assert doc.status == "retired" and doc.next_review is None
    with pytest.raises(ValidationError, match="retired"):
        services.document_update(document=doc, actor=owner, version=doc.version, title="X")
    with pytest.raises(ValidationError, match="retired"):
        services.draft_start(document=doc, actor=owner)
    with pytest.raises(ValidationError, match="already retired"):
        services.document_transition(document=doc, actor=owner, to="retired", version=doc.version)


def test_review_interval_change_moves_next_review(org, owner):
    doc = make_doc(org, owner)
    approve(doc, owner)
    doc.refresh_from_db()
    services.document_update(
        document=doc, actor=owner, version=doc.version, review_interval_months=24
    )
    assert doc.next_review == services.add_months(timezone.localdate(), 24)


def test_delete_only_never_approved(org, owner):
    doc = make_doc(org, owner)
    services.document_delete(document=doc, actor=owner, version=1)
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()
    doc = make_doc(org, owner)
    approve(doc, owner)
    with pytest.raises(ValidationError, match="retire it instead"):
        services.document_delete(document=doc, actor=owner, version=doc.version)


def test_add_months_clamps_to_month_end():
    assert services.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert services.add_months(dt.date(2026, 11, 15), 14) == dt.date(2028, 1, 15)


def test_one_working_version_per_document_is_a_constraint(org, owner):
    doc = make_doc(org, owner)
    with pytest.raises(Exception):  # noqa: B017 - the database refuses it
        DocumentVersion.objects.create(organization=org, document=doc, major=2, minor=0)


# --- the risk methodology document --------------------------------------------------------------


def test_methodology_document_needs_a_methodology(org, owner):
    with pytest.raises(ValidationError, match="no risk methodology"):
        services.methodology_document_generate(organization=org, actor=owner)


def test_methodology_document_generated_then_new_draft(org, owner):
    risk_services.methodology_from_preset(organization=org, actor=owner, preset="5x5")
    doc, v = services.methodology_document_generate(organization=org, actor=owner)
    assert doc.title == "Risk assessment methodology" and doc.type == "procedure"
    assert v.number == "1.0" and v.status == "draft"
    body = v.body_markdown
    assert "## Risk matrix" in body and "| Likelihood ↓ / consequence → |" in body
    assert "acceptance threshold" in body and "every 365 days" in body.replace("  ", " ")
    # Regenerating the draft keeps one document and one version.
    doc2, v2 = services.methodology_document_generate(organization=org, actor=owner)
    assert doc2.pk == doc.pk and v2.pk == v.pk
    submit(doc, owner)
    with pytest.raises(ValidationError, match="in review"):
        services.methodology_document_generate(organization=org, actor=owner)
    services.document_approve(document=doc, actor=owner, version=doc.version)
    with pytest.raises(ValidationError, match="already describes"):
        services.methodology_document_generate(organization=org, actor=owner)
    # A changed methodology gives a new minor version with the new text.
    definition = dict(methodology_current(organization=org).definition)
    definition["risk_review_days"] = 180
    risk_services.methodology_set(organization=org, actor=owner, definition=definition)
    doc3, v3 = services.methodology_document_generate(organization=org, actor=owner)
    assert doc3.pk == doc.pk and v3.number == "1.1" and "every 180 days" in v3.body_markdown
    assert "version 2" in v3.change_note


def test_methodology_matrix_table_matches_the_definition(org, owner):
    version = risk_services.methodology_from_preset(organization=org, actor=owner, preset="5x5")
    d = version.definition
    _doc, v = services.methodology_document_generate(organization=org, actor=owner)
    lines = v.body_markdown.splitlines()
    start = lines.index("## Risk matrix") + 2
    header, _rule, *rows = lines[start : start + 2 + len(d["likelihood"])]
    assert header.count("|") == len(d["consequence"]) + 2
    names = {lv["key"]: lv["name"] for lv in d["levels"]}
    top = d["likelihood"][-1]
    expected = [top["label"], *(names[k] for k in d["matrix"][-1])]
    assert rows[0] == "| " + " | ".join(expected) + " |"
