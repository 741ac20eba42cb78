"""The evidence pages: the list (filters in the URL, freshness counts, pages, htmx, constant
query count), the form (upload without JavaScript, refusals shown on the file field, the
control page's entry point), the item's page with the SHA-256, edit, delete, the download
(headers, permission) and the CSV export."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openisms.controls import evidence_services as services
from openisms.controls import services as control_services
from openisms.controls.models import Evidence
from openisms.controls.tests.test_evidence_storage import (
    HTML,
    PDF,
    upload,
    use_tmp_root,
)

BASE = "/o/acme/evidence/"
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    return use_tmp_root(settings, tmp_path)


@pytest.fixture
def control(org, owner):
    return control_services.control_create(organization=org, actor=owner, name="Backups")


def make_note(org, actor, title="Walkthrough", **data) -> Evidence:
    return services.evidence_create(
        organization=org, actor=actor, kind="note", title=title, note="Seen.", **data
    )


def make_file(org, actor, name="report.pdf", content=PDF, **data) -> Evidence:
    return services.evidence_create(
        organization=org, actor=actor, kind="file", upload=upload(name, content), **data
    )


@pytest.fixture
def states(org, owner, control):
    """E-001 stale, E-002 expiring, E-003 fresh (no end), E-004 fresh (far), a link."""
    make_note(
        org,
        owner,
        "Old",
        valid_until=TODAY - dt.timedelta(days=1),
        collected_on=TODAY - dt.timedelta(days=30),
        controls=[control],
    )
    make_note(org, owner, "Soon", valid_until=TODAY + dt.timedelta(days=3))
    make_note(org, owner, "Forever")
    make_file(org, owner, valid_until=TODAY + dt.timedelta(days=300), controls=[control])
    services.evidence_create(
        organization=org, actor=owner, kind="link", title="Dashboard", url="https://x.example"
    )


def refs(response) -> list[str]:
    return re.findall(
        r'class="ref" href="/o/acme/evidence/\d+/">(E-\d+)<', response.content.decode()
    )


class TestList:
    def test_lists_with_freshness_and_counts(self, client, owner, states):
        client.force_login(owner)
        response = client.get(BASE)
        assert response.status_code == 200
        assert refs(response) == ["E-001", "E-002", "E-003", "E-004", "E-005"]
        html = response.content.decode()
        assert 'data-testid="freshness-E-001">Stale<' in html
        assert 'data-testid="freshness-E-002">Expiring<' in html
        assert 'data-testid="freshness-E-003">Fresh<' in html
        counts = {
            state: re.search(rf'data-testid="count-{state}">.*?</span> (\d+)</a>', html).group(1)
            for state in ("fresh", "expiring", "stale")
        }
        assert counts == {"fresh": "3", "expiring": "1", "stale": "1"}

    def test_filters_are_in_the_url(self, client, owner, states, control):
        client.force_login(owner)
        assert refs(client.get(BASE + "?freshness=stale")) == ["E-001"]
        assert refs(client.get(BASE + "?freshness=expiring")) == ["E-002"]
        assert refs(client.get(BASE + "?freshness=fresh")) == ["E-003", "E-004", "E-005"]
        assert refs(client.get(BASE + "?kind=link")) == ["E-005"]
        assert refs(client.get(BASE + f"?control={control.pk}")) == ["E-001", "E-004"]
        assert refs(client.get(BASE + "?q=soon")) == ["E-002"]
        sha = Evidence.objects.get(ref="E-004").file.sha256
        assert refs(client.get(BASE + f"?q={sha}")) == ["E-004"]
        # The counts follow the other filters; a state link keeps them.
        html = client.get(BASE + f"?control={control.pk}").content.decode()
        assert f'href="?control={control.pk}&amp;freshness=stale"' in html
        # A stale link with a bad value drops only that filter.
        assert refs(client.get(BASE + "?freshness=rotten&kind=link")) == ["E-005"]

    def test_htmx_swaps_the_results(self, client, owner, states):
        client.force_login(owner)
        response = client.get(BASE + "?kind=note", HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="results">') and "<form" not in html
        assert "HX-Request" in response["Vary"]

    def test_pages(self, client, owner, org):
        for i in range(52):
            make_note(org, owner, f"N{i}")
        client.force_login(owner)
        assert len(refs(client.get(BASE))) == 50
        assert refs(client.get(BASE + "?page=2")) == ["E-051", "E-052"]

    def test_query_count_does_not_grow(self, client, org, owner, member, control):
        viewer = member(org, "viewer")

        def fill(n):
            for i in range(n):
                make_note(org, owner, f"N{i}", controls=[control], valid_until=TODAY)

        def count():
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(BASE)
            assert response.status_code == 200
            return len(ctx.captured_queries)

        client.force_login(viewer)
        fill(3)
        small = count()
        fill(27)
        assert count() == small

    def test_add_button_only_for_writers(self, client, org, member):
        client.force_login(member(org, "viewer"))
        assert 'data-testid="new-evidence"' not in client.get(BASE).content.decode()
        client.force_login(member(org, "contributor"))
        assert 'data-testid="new-evidence"' in client.get(BASE).content.decode()


class TestCreate:
    def test_form_works_without_javascript(self, client, owner):
        client.force_login(owner)
        html = client.get(BASE + "new/").content.decode()
        assert 'enctype="multipart/form-data"' in html
        assert 'type="file" name="file"' in html
        assert "evidence-upload.js" in html and "<script>" not in html
        assert " style=" not in html

    def test_upload_a_file(self, client, owner, control):
        client.force_login(owner)
        response = client.post(
            BASE + "new/",
            {
                "kind": "file",
                "file": upload("restore.pdf", PDF),
                "collected_on": TODAY.isoformat(),
                "refresh_days": "30",
                "controls": [control.pk],
            },
        )
        evidence = Evidence.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"{BASE}{evidence.pk}/"
        assert evidence.title == "restore.pdf" and evidence.kind == "file"
        assert evidence.valid_until == TODAY + dt.timedelta(days=30)
        assert list(evidence.controls.all()) == [control]

    def test_refused_file_is_shown_on_the_field(self, client, owner):
        client.force_login(owner)
        response = client.post(
            BASE + "new/",
            {"kind": "file", "file": upload("invoice.pdf", HTML), "collected_on": TODAY},
        )
        assert response.status_code == 422
        html = response.content.decode()
        assert re.search(r'field--error"[^>]*data-kind="file"', html)
        assert "invoice.pdf" in html and "HTML" in html
        assert not Evidence.objects.exists()

    def test_stray_fields_of_another_kind_are_dropped(self, client, owner):
        client.force_login(owner)
        response = client.post(
            BASE + "new/",
            {
                "kind": "note",
                "title": "Walkthrough",
                "note": "Observed",
                "url": "https://left-over.example",
                "collected_on": TODAY,
            },
        )
        assert response.status_code == 302
        assert Evidence.objects.get().url == ""

    def test_from_a_control_page(self, client, owner, control):
        client.force_login(owner)
        html = client.get(f"{BASE}new/?control={control.pk}").content.decode()
        assert re.search(rf'<option value="{control.pk}" selected>', html)
        assert 'data-testid="for-control"' in html
        response = client.post(
            f"{BASE}new/?control={control.pk}",
            {
                "kind": "link",
                "title": "Job log",
                "url": "https://backup.example/log",
                "collected_on": TODAY,
                "controls": [control.pk],
            },
        )
        assert response.status_code == 302
        assert response["Location"] == f"/o/acme/controls/{control.pk}/#evidence"
        assert "E-001" in client.get(f"/o/acme/controls/{control.pk}/").content.decode()

    def test_another_organisations_control_is_not_preselected(
        self, client, owner, other_org, member
    ):
        theirs = control_services.control_create(
            organization=other_org, actor=member(other_org, "owner"), name="Theirs"
        )
        client.force_login(owner)
        html = client.get(f"{BASE}new/?control={theirs.pk}").content.decode()
        assert "Theirs" not in html and 'data-testid="for-control"' not in html

    def test_contributor_cannot_add_for_someone_else(self, client, org, owner, member):
        carl = member(org, "contributor")
        client.force_login(carl)
        response = client.post(
            BASE + "new/",
            {
                "kind": "note",
                "title": "x",
                "note": "y",
                "collected_on": TODAY,
                "owner": str(owner.pk),
            },
        )
        assert response.status_code == 403
        assert not Evidence.objects.exists()


class TestDetailEditDelete:
    def test_page_shows_the_file_and_its_sha256(self, client, org, owner, control):
        evidence = make_file(org, owner, controls=[control])
        client.force_login(owner)
        html = client.get(f"{BASE}{evidence.pk}/").content.decode()
        sha = hashlib.sha256(PDF).hexdigest()
        assert f'data-testid="sha256">{sha}<' in html
        assert 'data-testid="file-type">PDF document' in html
        assert f"{len(PDF)} bytes" in html
        assert f'href="{BASE}{evidence.pk}/download/"' in html
        assert control.ref in html

    def test_edit_and_stale_version(self, client, org, owner):
        evidence = make_note(org, owner)
        client.force_login(owner)
        form = {"title": "Renamed", "note": "Seen again", "collected_on": TODAY, "version": 1}
        assert client.get(f"{BASE}{evidence.pk}/edit/").status_code == 200
        assert client.post(f"{BASE}{evidence.pk}/edit/", form).status_code == 302
        evidence.refresh_from_db()
        assert (evidence.title, evidence.note, evidence.version) == ("Renamed", "Seen again", 2)
        response = client.post(f"{BASE}{evidence.pk}/edit/", {**form, "title": "Stale"})
        assert response.status_code == 409
        assert 'data-testid="reload"' in response.content.decode()

    def test_replace_the_file_on_edit(self, client, org, owner):
        evidence = make_file(org, owner)
        client.force_login(owner)
        response = client.post(
            f"{BASE}{evidence.pk}/edit/",
            {"title": "R", "collected_on": TODAY, "version": 1, "file": upload("v2.txt", b"v2\n")},
        )
        assert response.status_code == 302
        evidence.refresh_from_db()
        assert evidence.filename == "v2.txt"

    def test_contributor_edits_only_their_own(self, client, org, owner, member):
        carl = member(org, "contributor")
        theirs = make_note(org, owner)
        own = make_note(org, carl)
        client.force_login(carl)
        assert client.get(f"{BASE}{theirs.pk}/edit/").status_code == 403
        assert client.get(f"{BASE}{own.pk}/edit/").status_code == 200
        assert client.post(f"{BASE}{theirs.pk}/delete/", {"version": 1}).status_code == 403

    def test_delete(self, client, org, owner):
        evidence = make_note(org, owner)
        client.force_login(owner)
        response = client.post(f"{BASE}{evidence.pk}/delete/", {"version": 1})
        assert response.status_code == 302 and response["Location"] == BASE
        assert not Evidence.objects.exists()

    def test_delete_stale_version_is_refused(self, client, org, owner):
        evidence = make_note(org, owner)
        client.force_login(owner)
        response = client.post(f"{BASE}{evidence.pk}/delete/", {"version": 7}, follow=True)
        assert "changed by someone else" in response.content.decode()
        assert Evidence.objects.exists()


class TestDownload:
    def test_headers(self, client, org, owner):
        evidence = make_file(org, owner, name='Rapport "final" d\'été.pdf')
        client.force_login(owner)
        response = client.get(f"{BASE}{evidence.pk}/download/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        disposition = response["Content-Disposition"]
        assert disposition.startswith('attachment; filename="')
        assert "filename*=UTF-8''Rapport%20final%20d%27%C3%A9t%C3%A9.pdf" in disposition
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"

    def test_viewer_can_download(self, client, org, owner, member):
        evidence = make_file(org, owner)
        client.force_login(member(org, "viewer"))
        assert client.get(f"{BASE}{evidence.pk}/download/").status_code == 200

    def test_anonymous_is_sent_to_sign_in(self, client, org, owner):
        evidence = make_file(org, owner)
        response = client.get(f"{BASE}{evidence.pk}/download/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_another_organisation_gets_404(self, client, org, owner, other_org, member):
        theirs = make_file(other_org, member(other_org, "owner"))
        client.force_login(owner)
        assert client.get(f"{BASE}{theirs.pk}/download/").status_code == 404
        assert client.get(f"{BASE}{theirs.pk}/").status_code == 404
        outsider = member(other_org, "viewer")
        evidence = make_file(org, owner)
        client.force_login(outsider)
        assert client.get(f"{BASE}{evidence.pk}/download/").status_code == 404

    def test_note_has_nothing_to_download(self, client, org, owner):
        evidence = make_note(org, owner)
        client.force_login(owner)
        response = client.get(f"{BASE}{evidence.pk}/download/")
        assert response.status_code == 302 and response["Location"] == f"{BASE}{evidence.pk}/"


def test_export_csv_has_the_sha256(client, org, owner, states):
    client.force_login(owner)
    response = client.get(BASE + "export/?freshness=fresh")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].split(",")[-1] == "sha256"
    assert [line.split(",")[0] for line in lines[1:]] == ["E-003", "E-004", "E-005"]
    assert hashlib.sha256(PDF).hexdigest() in text


def test_export_neutralises_formulas(client, org, owner):
    make_note(org, owner, title='=HYPERLINK("http://evil")')
    client.force_login(owner)
    text = client.get(BASE + "export/").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
