"""Evidence writes: the three kinds and their rules, the validity computed from the refresh
cadence, links limited to the organisation, contributors acting on their own evidence only,
identical files stored once, nothing half written, optimistic locking and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openisms.catalog.models import RequirementNode
from openisms.controls import evidence_services as services
from openisms.controls import services as control_services
from openisms.controls.models import Evidence, EvidenceFile
from openisms.controls.tests.test_evidence_storage import (
    HTML,
    PDF,
    stored_files,
    upload,
    use_tmp_root,
)
from openisms.controls.tests.test_services import private_requirement
from openisms.core.exceptions import ConflictError
from openisms.core.models import AuditEvent

ISO22 = "urn:openisms:framework:iso27001-2022"
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    return use_tmp_root(settings, tmp_path)


def node(ref_id: str) -> RequirementNode:
    return RequirementNode.objects.get(
        framework__urn=ISO22, framework__organization=None, ref_id=ref_id
    )


@pytest.fixture
def control(org, owner):
    return control_services.control_create(organization=org, actor=owner, name="Backups")


def note(org, actor, **data) -> Evidence:
    return services.evidence_create(
        organization=org,
        actor=actor,
        kind="note",
        title=data.pop("title", "Walkthrough"),
        note=data.pop("note", "Observed the restore."),
        **data,
    )


class TestCreate:
    def test_file_evidence(self, org, owner, control, evidence_root):
        evidence = services.evidence_create(
            organization=org,
            actor=owner,
            kind="file",
            upload=upload("restore-report.pdf", PDF),
            controls=[control],
            requirements=[node("A.8.13")],
        )
        assert evidence.ref == "E-001"
        assert evidence.title == "restore-report.pdf"  # default: the file's name
        assert evidence.owner == owner and evidence.collected_on == TODAY
        assert evidence.file.content_type == "application/pdf"
        assert evidence.file.size == len(PDF) and len(evidence.file.sha256) == 64
        assert list(evidence.controls.all()) == [control]
        assert list(evidence.requirements.values_list("ref_id", flat=True)) == ["A.8.13"]
        assert stored_files(evidence_root) == [
            evidence_root
            / evidence.file.sha256[:2]
            / evidence.file.sha256[2:4]
            / evidence.file.sha256
        ]

    def test_link_and_note(self, org, owner):
        link = services.evidence_create(
            organization=org,
            actor=owner,
            kind="link",
            title="Backup dashboard",
            url=" https://backup.example.com/jobs ",
        )
        assert link.url == "https://backup.example.com/jobs" and link.ref == "E-001"
        assert note(org, owner).ref == "E-002"

    def test_each_kind_needs_its_content(self, org, owner):
        with pytest.raises(ValidationError) as info:
            services.evidence_create(organization=org, actor=owner, kind="link", title="L")
        assert "url" in info.value.message_dict
        with pytest.raises(ValidationError) as info:
            services.evidence_create(organization=org, actor=owner, kind="note", title="N")
        assert "note" in info.value.message_dict
        with pytest.raises(ValidationError) as info:
            services.evidence_create(organization=org, actor=owner, kind="file", title="F")
        assert "file" in info.value.message_dict
        with pytest.raises(ValidationError) as info:
            services.evidence_create(
                organization=org, actor=owner, kind="note", title="N", note="x", url="https://a.b"
            )
        assert "url" in info.value.message_dict
        assert not Evidence.objects.exists()

    @pytest.mark.parametrize(
        "url", ["javascript:alert(1)", "ftp://files.example.com/a", "data:text/html,x", "nope"]
    )
    def test_links_are_http_or_https(self, org, owner, url):
        with pytest.raises(ValidationError) as info:
            services.evidence_create(organization=org, actor=owner, kind="link", title="L", url=url)
        assert "url" in info.value.message_dict

    def test_valid_until_from_the_refresh_cadence(self, org, owner):
        collected = TODAY - dt.timedelta(days=10)
        evidence = note(org, owner, collected_on=collected, refresh_days=90)
        assert evidence.valid_until == collected + dt.timedelta(days=90)
        given = note(org, owner, refresh_days=90, valid_until=TODAY + dt.timedelta(days=5))
        assert given.valid_until == TODAY + dt.timedelta(days=5)  # given wins

    def test_dates_are_checked(self, org, owner):
        with pytest.raises(ValidationError) as info:
            note(org, owner, period_start=TODAY, period_end=TODAY - dt.timedelta(days=1))
        assert "period_end" in info.value.message_dict
        with pytest.raises(ValidationError) as info:
            note(org, owner, collected_on=TODAY + dt.timedelta(days=1))
        assert "collected_on" in info.value.message_dict
        with pytest.raises(ValidationError) as info:
            note(org, owner, collected_on=TODAY, valid_until=TODAY - dt.timedelta(days=1))
        assert "valid_until" in info.value.message_dict
        with pytest.raises(ValidationError) as info:
            note(org, owner, refresh_days=0)
        assert "refresh_days" in info.value.message_dict
        note(org, owner, period_start=TODAY, period_end=TODAY)  # one day is a period

    def test_links_limited_to_the_organisation(self, org, owner, other_org, member):
        outsider = member(other_org, "owner")
        foreign = control_services.control_create(
            organization=other_org, actor=outsider, name="Theirs"
        )
        with pytest.raises(ValidationError) as info:
            note(org, owner, controls=[foreign])
        assert "controls" in info.value.message_dict
        with pytest.raises(ValidationError) as info:
            note(org, owner, requirements=[private_requirement(other_org)])
        assert "requirements" in info.value.message_dict
        assert not Evidence.objects.exists()

    def test_owner_must_be_a_member(self, org, owner, other_org, member):
        with pytest.raises(ValidationError) as info:
            note(org, owner, owner=member(other_org, "viewer"))
        assert "owner" in info.value.message_dict

    def test_a_refused_file_writes_nothing(self, org, owner, evidence_root):
        with pytest.raises(ValidationError) as info:
            services.evidence_create(
                organization=org, actor=owner, kind="file", upload=upload("x.pdf", HTML)
            )
        assert "HTML" in info.value.message_dict["file"][0]
        assert not Evidence.objects.exists() and not EvidenceFile.objects.exists()
        assert stored_files(evidence_root) == []

    def test_invalid_fields_store_no_file(self, org, owner, evidence_root):
        with pytest.raises(ValidationError):
            services.evidence_create(
                organization=org,
                actor=owner,
                kind="file",
                upload=upload("a.pdf", PDF),
                period_start=TODAY,
                period_end=TODAY - dt.timedelta(days=3),
            )
        assert stored_files(evidence_root) == []

    def test_nothing_half_written_when_the_database_write_fails(
        self, org, owner, control, evidence_root, monkeypatch
    ):
        def boom(*args, **kwargs):
            raise RuntimeError("database gone")

        monkeypatch.setattr(services, "record_m2m", boom)
        with pytest.raises(RuntimeError):
            services.evidence_create(
                organization=org,
                actor=owner,
                kind="file",
                upload=upload("a.pdf", PDF),
                controls=[control],
            )
        assert not Evidence.objects.exists() and not EvidenceFile.objects.exists()
        assert not AuditEvent.objects.filter(object_type__startswith="controls.evidence").exists()
        # The stored file is an orphan nobody can reach; storing it again reuses it.
        assert len(stored_files(evidence_root)) == 1


class TestDedupe:
    def test_same_content_twice_is_one_file(self, org, owner, evidence_root):
        a = services.evidence_create(
            organization=org, actor=owner, kind="file", upload=upload("a.pdf", PDF)
        )
        b = services.evidence_create(
            organization=org, actor=owner, kind="file", upload=upload("b.pdf", PDF)
        )
        assert a.file_id == b.file_id
        assert (a.filename, b.filename) == ("a.pdf", "b.pdf")
        assert EvidenceFile.objects.count() == 1
        assert len(stored_files(evidence_root)) == 1

    def test_one_row_per_organisation_one_file_on_disk(
        self, org, owner, other_org, member, evidence_root
    ):
        outsider = member(other_org, "owner")
        services.evidence_create(
            organization=org, actor=owner, kind="file", upload=upload("a.pdf", PDF)
        )
        services.evidence_create(
            organization=other_org, actor=outsider, kind="file", upload=upload("a.pdf", PDF)
        )
        assert EvidenceFile.objects.count() == 2
        assert len(stored_files(evidence_root)) == 1


class TestContributors:
    def test_contributor_adds_and_edits_own_evidence_only(self, org, owner, member):
        carl = member(org, "contributor")
        own = note(org, carl)
        assert own.owner == carl
        with pytest.raises(PermissionDenied):
            note(org, carl, owner=owner)
        theirs = note(org, owner)
        with pytest.raises(PermissionDenied):
            services.evidence_update(evidence=theirs, actor=carl, version=1, title="Mine")
        with pytest.raises(PermissionDenied):
            services.evidence_delete(evidence=theirs, actor=carl, version=1)
        with pytest.raises(PermissionDenied):  # cannot give their own evidence away
            services.evidence_update(evidence=own, actor=carl, version=1, owner=owner)
        services.evidence_update(evidence=own, actor=carl, version=1, title="Renamed")

    def test_viewers_and_auditors_cannot_write(self, org, member):
        for role in ("viewer", "auditor"):
            with pytest.raises(PermissionDenied):
                note(org, member(org, role))


class TestUpdateDelete:
    def test_update_and_stale_version(self, org, owner):
        evidence = note(org, owner)
        services.evidence_update(evidence=evidence, actor=owner, version=1, title="Second")
        assert evidence.version == 2
        with pytest.raises(ConflictError):
            services.evidence_update(evidence=evidence, actor=owner, version=1, title="Third")
        evidence.refresh_from_db()
        assert evidence.title == "Second"

    def test_kind_never_changes(self, org, owner):
        evidence = note(org, owner)
        with pytest.raises(ValidationError) as info:
            services.evidence_update(evidence=evidence, actor=owner, version=1, kind="link")
        assert "kind" in info.value.message_dict

    def test_validity_follows_the_cadence_unless_set(self, org, owner):
        old = TODAY - dt.timedelta(days=100)
        evidence = note(org, owner, collected_on=old, refresh_days=90)
        assert evidence.valid_until == old + dt.timedelta(days=90)
        # Collected again: the validity follows.
        services.evidence_update(evidence=evidence, actor=owner, version=1, collected_on=TODAY)
        assert evidence.valid_until == TODAY + dt.timedelta(days=90)
        # Set explicitly: it stays.
        fixed = TODAY + dt.timedelta(days=7)
        services.evidence_update(evidence=evidence, actor=owner, version=2, valid_until=fixed)
        services.evidence_update(evidence=evidence, actor=owner, version=3, title="Again")
        assert evidence.valid_until == fixed

    def test_replace_the_file(self, org, owner, evidence_root):
        evidence = services.evidence_create(
            organization=org, actor=owner, kind="file", upload=upload("a.pdf", PDF)
        )
        first = evidence.file
        services.evidence_update(
            evidence=evidence, actor=owner, version=1, upload=upload("b.txt", b"new\n")
        )
        evidence.refresh_from_db()
        assert evidence.file != first and evidence.filename == "b.txt"
        with pytest.raises(ValidationError):
            services.evidence_update(
                evidence=note(org, owner), actor=owner, version=1, upload=upload("c.txt", b"x")
            )

    def test_links_are_audited_and_delete_clears_them(self, org, owner, control):
        evidence = note(org, owner, controls=[control])
        services.evidence_update(
            evidence=evidence, actor=owner, version=1, requirements=[node("A.8.13")]
        )
        events = AuditEvent.objects.filter(object_type="controls.evidence", object_id=evidence.pk)
        assert events.filter(action="update", changes__has_key="requirements").exists()
        assert events.filter(action="update", changes__has_key="controls").exists()
        services.evidence_delete(evidence=evidence, actor=owner, version=evidence.version)
        assert not Evidence.objects.exists()
        assert not control.evidence.exists()
        assert events.filter(action="delete").exists()

    def test_delete_stale_version_refused(self, org, owner, control):
        evidence = note(org, owner, controls=[control])
        with pytest.raises(ConflictError):
            services.evidence_delete(evidence=evidence, actor=owner, version=9)
        assert Evidence.objects.filter(pk=evidence.pk).exists()
        assert list(evidence.controls.all()) == [control]

    def test_delete_refused_while_runs_cite_it(self, org, owner, control):
        evidence = note(org, owner)
        test = control_services.control_test_create(control=control, actor=owner, name="T")
        control_services.run_record(test=test, actor=owner, result="pass", evidence=[evidence])
        with pytest.raises(ValidationError, match="E-001"):
            services.evidence_delete(evidence=evidence, actor=owner, version=1)
        assert Evidence.objects.filter(pk=evidence.pk).exists()

    def test_refs_never_reused(self, org, owner):
        first = note(org, owner)
        services.evidence_delete(evidence=first, actor=owner, version=1)
        assert note(org, owner).ref == "E-002"
