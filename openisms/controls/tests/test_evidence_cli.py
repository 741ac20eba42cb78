"""``openisms evidence add | list``."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from openisms.controls import evidence_services as services
from openisms.controls import services as control_services
from openisms.controls.models import Evidence
from openisms.controls.tests.test_evidence_storage import (
    HTML,
    PDF,
    stored_files,
    use_tmp_root,
)
from openisms.core.models import AuditEvent

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    return use_tmp_root(settings, tmp_path)


def run(*args):
    out = io.StringIO()
    call_command("evidence", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def controls(org, owner):
    return [
        control_services.control_create(organization=org, actor=owner, name=name)
        for name in ("Backups", "Logging")
    ]


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "restore report.pdf"
    path.write_bytes(PDF)
    return path


class TestAdd:
    def test_add_prints_ref_and_sha256(self, org, owner, controls, report, evidence_root):
        out = run(
            "add",
            "--org",
            "acme",
            "--control",
            "C-001",
            "--control",
            "C-002",
            str(report),
            "--refresh-days",
            "90",
            "--as",
            "owner@acme.test",
        )
        sha = hashlib.sha256(PDF).hexdigest()
        assert out.startswith("E-001 restore report.pdf sha256:" + sha)
        evidence = Evidence.objects.get()
        assert evidence.title == "restore report.pdf" and evidence.owner == owner
        assert evidence.valid_until == TODAY + dt.timedelta(days=90)
        assert sorted(c.ref for c in evidence.controls.all()) == ["C-001", "C-002"]
        assert stored_files(evidence_root) == [evidence_root / sha[:2] / sha[2:4] / sha]
        create = AuditEvent.objects.get(object_type="controls.evidence", action="create")
        assert create.actor == owner and create.context.get("channel") == "cli"

    def test_title_and_valid_until(self, org, owner, controls, report):
        until = (TODAY + dt.timedelta(days=10)).isoformat()
        run(
            "add",
            "--org",
            "acme",
            "--control",
            "C-001",
            str(report),
            "--title",
            "Q3 restore",
            "--valid-until",
            until,
            "--as",
            "owner@acme.test",
        )
        evidence = Evidence.objects.get()
        assert evidence.title == "Q3 restore" and evidence.valid_until.isoformat() == until

    def test_refusals_are_one_line(self, org, owner, member, controls, report, tmp_path):
        def refused(*args):
            with pytest.raises(CommandError) as info:
                run("add", "--org", "acme", *args)
            return str(info.value)

        assert "--as" in refused("--control", "C-001", str(report))
        assert "No control 'C-009'" in refused(
            "--control", "C-009", str(report), "--as", "owner@acme.test"
        )
        assert "No such file" in refused(
            "--control", "C-001", str(tmp_path / "missing.pdf"), "--as", "owner@acme.test"
        )
        member(org, "viewer", email="val@acme.test")
        assert "does not allow" in refused(
            "--control", "C-001", str(report), "--as", "val@acme.test"
        )
        assert "not a date" in refused(
            "--control", "C-001", str(report), "--valid-until", "soon", "--as", "owner@acme.test"
        )
        fake = tmp_path / "invoice.pdf"
        fake.write_bytes(HTML)
        message = refused("--control", "C-001", str(fake), "--as", "owner@acme.test")
        assert message.startswith("file:") and "HTML" in message and "\n" not in message
        assert not Evidence.objects.exists()

    def test_valid_until_and_refresh_days_exclude_each_other(self, org, owner, controls, report):
        with pytest.raises(CommandError):
            run(
                "add",
                "--org",
                "acme",
                "--control",
                "C-001",
                str(report),
                "--refresh-days",
                "5",
                "--valid-until",
                TODAY.isoformat(),
                "--as",
                "owner@acme.test",
            )


class TestList:
    @pytest.fixture
    def items(self, org, owner, controls, report):
        run("add", "--org", "acme", "--control", "C-001", str(report), "--as", "owner@acme.test")
        services.evidence_create(
            organization=org,
            actor=owner,
            kind="note",
            title="Walkthrough",
            note="Seen",
            collected_on=TODAY - dt.timedelta(days=5),
            valid_until=TODAY - dt.timedelta(days=1),
        )
        services.evidence_create(
            organization=org,
            actor=owner,
            kind="link",
            title="Dashboard",
            url="https://x.example",
            valid_until=TODAY + dt.timedelta(days=3),
        )

    def test_text(self, items):
        out = run("list", "--org", "acme")
        lines = out.strip().splitlines()
        assert lines[0].split() == [
            "REF",
            "KIND",
            "STATE",
            "VALID",
            "UNTIL",
            "CONTROLS",
            "SHA-256",
            "TITLE",
        ]
        assert lines[1].split()[:3] == ["E-001", "file", "fresh"]
        assert hashlib.sha256(PDF).hexdigest() in lines[1]
        assert lines[-1] == "3 items."

    def test_states_and_json(self, items):
        assert [
            line.split()[0]
            for line in run("list", "--org", "acme", "--state", "stale").strip().splitlines()[1:-1]
        ] == ["E-002"]
        data = json.loads(run("list", "--org", "acme", "--state", "fresh", "--format", "json"))
        assert [d["ref"] for d in data] == ["E-001"]
        assert data[0]["sha256"] == hashlib.sha256(PDF).hexdigest()
        assert data[0]["controls"] == ["C-001"] and data[0]["freshness"] == "fresh"
        expiring = json.loads(
            run("list", "--org", "acme", "--state", "expiring", "--format", "json")
        )
        assert [d["ref"] for d in expiring] == ["E-003"] and expiring[0]["sha256"] is None

    def test_empty_and_reader(self, org, owner, member):
        assert run("list", "--org", "acme").strip() == "No evidence matches."
        with pytest.raises(CommandError, match="not a member"):
            run("list", "--org", "acme", "--as", "nobody@acme.test")
