"""Controls cite documents of the register: services (same organisation only, retired ones not
cited anew, audited), the API (``document_ids`` in, ``documents`` out, field errors, constant
queries), the control form and page, the document page's "Controls that cite this document",
and deleting either side. Also the controls list's "a test overdue" filter (dashboard link)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openisms.accounts import services as account_services
from openisms.accounts.tests.test_api import auth
from openisms.controls import services
from openisms.controls.models import Control
from openisms.controls.tests.test_services import make_control, make_test
from openisms.core.models import AuditEvent
from openisms.documents import services as documents
from openisms.documents.models import Document

BASE = "/api/v1/orgs/acme"
TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _evidence_root(settings, tmp_path):
    settings.OPENISMS_EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def outsider(other_org, member):
    return member(other_org, "owner", email="boss@globex.test")


def make_doc(org, actor, title="Backup policy", *, approve=False) -> Document:
    doc = documents.document_create(
        organization=org, actor=actor, title=title, type="policy", body_markdown="# Backups\n"
    )
    if approve:
        documents.document_transition(
            document=doc, actor=actor, to="in_review", version=doc.version
        )
        doc.refresh_from_db()
        documents.document_approve(document=doc, actor=actor, version=doc.version)
        doc.refresh_from_db()
    return doc


def retire(doc, actor) -> Document:
    doc.refresh_from_db()
    documents.document_transition(document=doc, actor=actor, to="retired", version=doc.version)
    doc.refresh_from_db()
    return doc


def html(response) -> str:
    return response.content.decode()


# --- services -----------------------------------------------------------------------------------


class TestServices:
    def test_create_and_update_link_documents_with_an_audit_trail(self, org, owner):
        policy, procedure = make_doc(org, owner), make_doc(org, owner, "Restore procedure")
        control = make_control(org, owner, documents=[policy])
        assert list(control.documents.all()) == [policy]
        services.control_update(
            control=control, actor=owner, version=control.version, documents=[policy, procedure.pk]
        )
        assert set(control.documents.all()) == {policy, procedure}
        changes = [
            e.changes["documents"]
            for e in AuditEvent.objects.filter(
                object_type="controls.control", object_id=str(control.pk)
            ).order_by("seq")
            if "documents" in e.changes
        ]
        assert changes == [[[], [policy.pk]], [[policy.pk], sorted([policy.pk, procedure.pk])]]

    def test_omitted_documents_are_unchanged(self, org, owner):
        policy = make_doc(org, owner)
        control = make_control(org, owner, documents=[policy])
        services.control_update(control=control, actor=owner, version=control.version, name="X")
        assert list(control.documents.all()) == [policy]

    def test_another_organisations_document_is_refused(self, org, owner, other_org, outsider):
        foreign = make_doc(other_org, outsider)
        with pytest.raises(ValidationError) as exc:
            make_control(org, owner, documents=[foreign])
        assert "documents" in exc.value.message_dict
        assert not Control.objects.filter(organization=org).exists()  # nothing half-written
        control = make_control(org, owner)
        with pytest.raises(ValidationError):
            services.control_update(
                control=control, actor=owner, version=control.version, documents=[foreign.pk]
            )
        control.refresh_from_db()
        assert control.version == 1 and not control.documents.exists()

    def test_a_retired_document_is_not_cited_anew_but_may_stay(self, org, owner):
        kept, other = make_doc(org, owner, approve=True), make_doc(org, owner, "Old", approve=True)
        control = make_control(org, owner, documents=[kept])
        retire(kept, owner)
        retire(other, owner)
        services.control_update(
            control=control, actor=owner, version=control.version, documents=[kept]
        )
        with pytest.raises(ValidationError, match="retired"):
            services.control_update(
                control=control, actor=owner, version=control.version, documents=[kept, other]
            )

    def test_deleting_the_control_clears_its_citations(self, org, owner):
        policy = make_doc(org, owner)
        control = make_control(org, owner, documents=[policy])
        services.control_delete(control=control, actor=owner, version=control.version)
        assert not Control.documents.through.objects.exists()
        assert Document.objects.filter(pk=policy.pk).exists()

    def test_deleting_a_draft_document_uncites_it_audited(self, org, owner):
        policy, keep = make_doc(org, owner), make_doc(org, owner, "Kept")
        control = make_control(org, owner, documents=[policy, keep])
        both = sorted([policy.pk, keep.pk])
        documents.document_delete(document=policy, actor=owner, version=policy.version)
        assert list(control.documents.all()) == [keep]
        event = AuditEvent.objects.filter(
            object_type="controls.control", object_id=str(control.pk)
        ).latest("seq")
        assert event.changes["documents"] == [both, [keep.pk]]


# --- API ----------------------------------------------------------------------------------------


@pytest.fixture
def token(org, owner):
    return account_services.token_create(organization=org, actor=owner, name="tests").secret


def post(client, url, body, secret):
    return client.post(url, body, content_type="application/json", **auth(secret))


def patch(client, url, body, secret):
    return client.patch(url, body, content_type="application/json", **auth(secret))


class TestApi:
    def test_document_ids_in_documents_out(self, client, org, owner, token):
        approved = make_doc(org, owner, approve=True)
        draft = make_doc(org, owner, "Restore procedure")
        r = post(
            client, f"{BASE}/controls/", {"name": "Backups", "document_ids": [draft.pk]}, token
        )
        assert r.status_code == 201, r.content
        body = r.json()
        assert body["documents"] == [
            {
                "id": draft.pk,
                "ref": draft.ref,
                "title": "Restore procedure",
                "status": "draft",
                "version_in_force": None,
            }
        ]
        r = patch(
            client,
            f"{BASE}/controls/{body['id']}/",
            {"document_ids": [approved.pk, draft.pk], "version": body["version"]},
            token,
        )
        assert r.status_code == 200, r.content
        got = {d["ref"]: d for d in r.json()["documents"]}
        assert got[approved.ref]["version_in_force"] == "1.0"
        assert got[approved.ref]["status"] == "approved"
        version = r.json()["version"]
        r = patch(
            client, f"{BASE}/controls/{body['id']}/", {"name": "Backup", "version": version}, token
        )
        assert r.status_code == 200, r.content
        assert len(r.json()["documents"]) == 2  # omitted: unchanged

    def test_foreign_or_unknown_document_id_is_a_field_error(
        self, client, org, owner, token, other_org, outsider
    ):
        foreign = make_doc(other_org, outsider)
        for ids in ([foreign.pk], [999999]):
            r = post(client, f"{BASE}/controls/", {"name": "Backups", "document_ids": ids}, token)
            assert r.status_code == 422, r.content
            locs = [d["loc"] for d in r.json()["error"]["details"]]
            assert any("document_ids" in str(loc) for loc in locs), locs
        assert not Control.objects.exists()

    def test_list_queries_do_not_grow_with_documents(self, client, org, owner, token):
        def fill(n, start):
            for i in range(start, start + n):
                doc = make_doc(org, owner, f"Doc {i}", approve=True)
                make_control(org, owner, name=f"C{i}", documents=[doc])

        def count():
            with CaptureQueriesContext(connection) as ctx:
                r = client.get(f"{BASE}/controls/", **auth(token))
            assert r.status_code == 200
            return len(ctx.captured_queries), len(r.json()["items"])

        fill(2, 0)
        count()
        small, n = count()
        assert n == 2
        fill(6, 2)
        assert count() == (small, 8)

    def test_tests_overdue_filter(self, client, org, owner, token):
        late = make_control(org, owner, name="Late")
        test = make_test(late, owner, frequency_days=30)
        services.run_record(test=test, actor=owner, result="pass", performed_on=TODAY - 40 * DAY)
        make_test(make_control(org, owner, name="Never run"), owner)
        r = client.get(f"{BASE}/controls/?tests_overdue=true", **auth(token))
        assert [c["name"] for c in r.json()["items"]] == ["Late"]


# --- pages --------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


class TestPages:
    def test_form_offers_the_organisations_documents_and_saves_them(
        self, signed_in, org, owner, other_org, outsider
    ):
        policy = make_doc(org, owner)
        gone = retire(make_doc(org, owner, "Retired one", approve=True), owner)
        foreign = make_doc(other_org, outsider, "Globex secret policy")
        page = html(signed_in.get("/o/acme/controls/new/"))
        assert "Backup policy" in page
        assert "Globex secret policy" not in page and "Retired one" not in page
        r = signed_in.post(
            "/o/acme/controls/new/",
            {
                "name": "Backups",
                "status": "planned",
                "review_interval_months": 12,
                "documents": [policy.pk],
                "documentation": "Supplier SLA (paper)",
            },
        )
        assert r.status_code == 302, html(r)
        control = Control.objects.get(name="Backups")
        assert list(control.documents.all()) == [policy]
        r = signed_in.post(
            "/o/acme/controls/new/",
            {
                "name": "Other",
                "status": "planned",
                "review_interval_months": 12,
                "documents": [foreign.pk],
            },
        )
        assert r.status_code == 422
        assert gone.status == "retired"

    def test_edit_keeps_a_linked_retired_document(self, signed_in, org, owner):
        doc = make_doc(org, owner, "Old policy", approve=True)
        control = make_control(org, owner, documents=[doc])
        retire(doc, owner)
        page = html(signed_in.get(f"/o/acme/controls/{control.pk}/edit/"))
        assert re.search(rf'<option value="{doc.pk}" selected>', page)

    def test_control_page_shows_register_and_free_text_documents(self, signed_in, org, owner):
        doc = make_doc(org, owner, approve=True)
        control = make_control(org, owner, documents=[doc], documentation="Supplier SLA (paper)")
        page = html(signed_in.get(f"/o/acme/controls/{control.pk}/"))
        assert f'data-testid="document-{doc.ref}"' in page
        assert f"/o/acme/documents/{doc.pk}/" in page
        assert "v1.0, approved" in page
        assert "Supplier SLA (paper)" in page

    def test_document_page_lists_the_controls_that_cite_it(self, signed_in, org, owner):
        doc = make_doc(org, owner)
        c1 = make_control(org, owner, name="Backups", documents=[doc])
        make_control(org, owner, name="Unrelated")
        page = html(signed_in.get(f"/o/acme/documents/{doc.pk}/"))
        assert "Controls that cite this document" in page
        assert f'data-testid="control-{c1.ref}"' in page
        assert "Unrelated" not in page

    def test_controls_list_tests_overdue_filter(self, signed_in, org, owner):
        late = make_control(org, owner, name="Late control")
        test = make_test(late, owner, frequency_days=30)
        services.run_record(test=test, actor=owner, result="pass", performed_on=TODAY - 31 * DAY)
        fresh = make_control(org, owner, name="Fresh control")
        test = make_test(fresh, owner, frequency_days=30)
        services.run_record(test=test, actor=owner, result="pass", performed_on=TODAY - 29 * DAY)
        page = html(signed_in.get("/o/acme/controls/?tests_overdue=on"))
        assert "Late control" in page and "Fresh control" not in page
