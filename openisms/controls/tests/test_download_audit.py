"""Every file download (evidence and document file versions, UI and API) is in the audit trail:
who, which record, the file name and the content's SHA-256. A refused download records
nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from openisms.accounts import services as account_services
from openisms.accounts.models import Membership
from openisms.controls import evidence_services as services
from openisms.controls.tests.test_evidence_storage import PDF, upload, use_tmp_root
from openisms.core.models import AuditEvent
from openisms.documents import services as document_services
from openisms.documents.models import DocumentVersion


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    return use_tmp_root(settings, tmp_path)


@pytest.fixture
def evidence(org, owner):
    return services.evidence_create(
        organization=org, actor=owner, kind="file", upload=upload("Q3 review.pdf", PDF)
    )


@pytest.fixture
def auditor(org, member):
    user = member(org, "auditor", email="ext@audit.test")
    Membership.objects.filter(user=user).update(
        access_expires_at=timezone.now() + dt.timedelta(days=5)
    )
    return user


def downloads(obj):
    return list(
        AuditEvent.objects.filter(
            action="download",
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
        ).order_by("seq")
    )


def test_ui_evidence_download_is_audited(client, org, evidence, auditor):
    client.force_login(auditor)
    response = client.get(f"/o/acme/evidence/{evidence.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    (event,) = downloads(evidence)
    assert event.actor_id == auditor.pk
    assert event.organization_id == org.pk
    assert event.changes["filename"] == "Q3 review.pdf"
    assert event.changes["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert event.changes["size"] == len(PDF)
    # Each download is one more event, and the auditor can read them in the trail.
    client.get(f"/o/acme/evidence/{evidence.pk}/download/")
    assert len(downloads(evidence)) == 2
    trail = client.get(
        f"/o/acme/audit/?object_type=controls.evidence&object_id={evidence.pk}"
    ).content.decode()
    assert "download" in trail


def test_api_evidence_download_is_audited(client, org, owner, evidence):
    secret = account_services.token_create(organization=org, actor=owner, name="t").secret
    response = client.get(
        f"/api/v1/orgs/acme/evidence/{evidence.pk}/download/",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200
    (event,) = downloads(evidence)
    assert event.actor_id == owner.pk
    assert event.changes["sha256"] == evidence.file.sha256


def test_refused_downloads_record_nothing(client, org, other_org, member, evidence):
    client.force_login(member(other_org, "owner"))
    assert client.get(f"/o/acme/evidence/{evidence.pk}/download/").status_code == 404
    client.logout()
    assert client.get(f"/o/acme/evidence/{evidence.pk}/download/").status_code == 302
    assert downloads(evidence) == []


def test_missing_file_records_nothing(client, org, owner, evidence, evidence_root):
    for path in evidence_root.rglob(evidence.file.sha256):
        path.unlink()
    client.force_login(owner)
    assert client.get(f"/o/acme/evidence/{evidence.pk}/download/").status_code == 404
    assert downloads(evidence) == []


def test_document_file_downloads_are_audited(client, org, owner, auditor):
    doc = document_services.document_create(
        organization=org,
        actor=owner,
        title="Access control policy",
        type="policy",
        upload=upload("policy.pdf", PDF),
    )
    version = DocumentVersion.objects.get(document=doc)
    client.force_login(auditor)
    response = client.get(f"/o/acme/documents/{doc.pk}/versions/{version.pk}/download/")
    assert response.status_code == 200
    response = client.get(f"/api/v1/orgs/acme/documents/{doc.pk}/versions/{version.pk}/download/")
    assert response.status_code == 200
    events = downloads(version)
    assert [e.actor_id for e in events] == [auditor.pk, auditor.pk]
    assert events[0].changes == {
        "filename": "policy.pdf",
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "size": len(PDF),
    }


def test_contributors_download_evidence_they_do_not_own(client, org, member, evidence):
    """Reading is organisation-wide: a contributor downloads (and the trail records) evidence
    someone else owns, in the UI and through the API."""
    contributor = member(org, "contributor")
    client.force_login(contributor)
    response = client.get(f"/o/acme/evidence/{evidence.pk}/download/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    secret = account_services.token_create(organization=org, actor=contributor, name="c").secret
    api = client.get(
        f"/api/v1/orgs/acme/evidence/{evidence.pk}/download/",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert api.status_code == 200
    assert [e.actor_id for e in downloads(evidence)] == [contributor.pk, contributor.pk]
