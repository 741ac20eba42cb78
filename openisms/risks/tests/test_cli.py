"""``openisms risks methodology | list | heatmap | accept`` (import and export are tested in
test_import_export.py)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from openisms.core.models import AuditEvent
from openisms.risks import services
from openisms.risks.models import MethodologyVersion, Risk, RiskAcceptance

FUTURE = (timezone.localdate() + dt.timedelta(days=200)).isoformat()


def run(*args):
    out = io.StringIO()
    call_command("risks", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def method(org, owner):
    return services.methodology_from_preset(organization=org, actor=owner, preset="4x4")


@pytest.fixture
def register(org, owner, member, method):
    """R-001 medium (3 × 2, owner), R-002 critical (4 × 4, carl), R-003 not assessed."""
    carl = member(org, "contributor", email="carl@acme.test")
    r1 = services.risk_create(organization=org, actor=owner, title="Ransomware")
    services.risk_assess(risk=r1, actor=owner, version=1, current=(3, 2), inherent=(4, 4))
    r2 = services.risk_create(organization=org, actor=owner, title="Flood", owner=carl)
    services.risk_assess(risk=r2, actor=owner, version=1, current=(4, 4))
    services.risk_create(organization=org, actor=owner, title="Unassessed")
    return carl


def cells(output: str, likelihood_label: str) -> list[str]:
    """The cells of one matrix row, split on the two-space column gaps."""
    line = next(ln for ln in output.splitlines() if ln.strip().startswith(likelihood_label))
    return [c.strip() for c in line.strip().split("  ") if c.strip()][1:]


class TestMethodology:
    def test_none_yet(self, org):
        with pytest.raises(CommandError, match="No risk methodology in 'acme' yet"):
            run("methodology", "--org", "acme")

    def test_set_from_preset_and_print(self, org, owner):
        out = run("methodology", "--org", "acme", "--preset", "3x3", "--as", "owner@acme.test")
        assert out.strip() == (
            "Methodology of acme: version 1 (3×3 qualitative (likelihood × consequence)) "
            "from preset 3x3."
        )
        out = run("methodology", "--org", "acme", "--preset", "4x4", "--as", "owner@acme.test")
        assert "version 2" in out
        assert MethodologyVersion.objects.filter(organization=org).count() == 2
        assert AuditEvent.objects.filter(action="methodology.version").count() == 2

        text = run("methodology", "--org", "acme")
        assert text.startswith("4×4 qualitative (likelihood × consequence), version 2 (")
        assert "by owner@acme.test" in text.splitlines()[0]
        assert "  4  Very likely: Expected several times a year" in text
        assert cells(text, "4 Very likely") == ["Medium", "High", "Critical", "Critical"]
        assert cells(text, "1 Unlikely") == ["Low", "Low", "Medium", "Medium"]
        assert "Acceptance threshold: Medium (medium); above it the owner accepts." in text
        levels = text.split("Levels (lowest first):")[1].split("Matrix")[0]
        assert [ln.split()[0] for ln in levels.strip().splitlines()] == [
            "low",
            "medium",
            "high",
            "critical",
        ]
        assert "medium    Medium    #f9a825  within appetite" in levels
        assert "high      High      #ef6c00\n" in levels

    def test_json(self, org, method):
        data = json.loads(run("methodology", "--org", "acme", "--format", "json"))
        assert data["organization"] == "acme" and data["version"] == 1
        assert data["created_by"] == "owner@acme.test"
        assert data["definition"] == method.definition

    def test_refusals(self, org, member, method):
        member(org, "contributor", email="carl@acme.test")
        with pytest.raises(CommandError, match="needs --as EMAIL"):
            run("methodology", "--org", "acme", "--preset", "5x5")
        with pytest.raises(CommandError, match="does not allow them to define the risk method"):
            run("methodology", "--org", "acme", "--preset", "5x5", "--as", "carl@acme.test")
        with pytest.raises(CommandError, match="preset: Unknown preset “9x9”"):
            run("methodology", "--org", "acme", "--preset", "9x9", "--as", "owner@acme.test")
        with pytest.raises(CommandError, match="not a member"):
            run("methodology", "--org", "acme", "--as", "nobody@acme.test")
        with pytest.raises(CommandError, match="Unknown organisation 'nope'"):
            run("methodology", "--org", "nope")
        assert MethodologyVersion.objects.filter(organization=org).count() == 1


class TestList:
    def test_text(self, org, register):
        out = run("list", "--org", "acme")
        lines = out.splitlines()
        assert lines[0].split() == ["REF", "LEVEL", "STATUS", "OWNER", "TITLE"]
        assert lines[1].split() == [
            "R-001",
            "medium",
            "identified",
            "owner@acme.test",
            "Ransomware",
        ]
        assert lines[2].split() == ["R-002", "critical", "identified", "carl@acme.test", "Flood"]
        assert lines[3].split() == ["R-003", "-", "identified", "owner@acme.test", "Unassessed"]
        assert lines[-1] == "3 risks."

    def test_filters_and_json(self, org, owner, register):
        out = run("list", "--org", "acme", "--level", "critical")
        assert [ln.split()[0] for ln in out.splitlines()[1:-1]] == ["R-002"]
        assert out.splitlines()[-1] == "1 risk."
        r3 = Risk.objects.get(organization=org, ref="R-003")
        services.risk_transition(risk=r3, actor=owner, to="closed", version=r3.version)
        data = json.loads(run("list", "--org", "acme", "--status", "closed", "--format", "json"))
        assert [r["ref"] for r in data] == ["R-003"]
        data = json.loads(run("list", "--org", "acme", "--format", "json"))
        first = data[0]
        assert first["ref"] == "R-001" and first["owner"] == "owner@acme.test"
        assert first["current"] == {"likelihood": 3, "consequence": 2, "level": "medium"}
        assert first["inherent"]["level"] == "critical" and first["target"]["level"] == ""
        assert run("list", "--org", "acme", "--status", "accepted").strip() == "No risks match."

    def test_unknown_level(self, org, register):
        with pytest.raises(CommandError, match="Unknown level 'extreme' \\(one of: low, medium"):
            run("list", "--org", "acme", "--level", "extreme")


class TestHeatmap:
    def test_counts_per_cell(self, org, register):
        out = run("heatmap", "--org", "acme")
        assert out.splitlines()[0] == (
            "Current risk, acme, methodology version 1: 2 open risks placed."
        )
        assert cells(out, "4 Very likely") == [
            "0 Medium",
            "0 High",
            "0 Critical",
            "1 Critical",
        ]
        assert cells(out, "3 Likely") == ["0 Medium", "1 Medium", "0 High", "0 Critical"]
        assert cells(out, "1 Unlikely") == ["0 Low", "0 Low", "0 Medium", "0 Medium"]
        header = out.splitlines()[1]
        assert header.startswith("Likelihood \\ Consequence") and header.endswith("4 Severe")

    def test_inherent_grid(self, org, register):
        out = run("heatmap", "--org", "acme", "--grid", "inherent")
        assert "1 open risk placed" in out.splitlines()[0]
        assert cells(out, "4 Very likely")[3] == "1 Critical"
        assert cells(out, "3 Likely") == ["0 Medium", "0 Medium", "0 High", "0 Critical"]

    def test_needs_a_method(self, org):
        with pytest.raises(CommandError, match="No risk methodology"):
            run("heatmap", "--org", "acme")


class TestAccept:
    ARGS = ("accept", "--org", "acme", "--justification", "Backups tested monthly; fine.")

    def test_owner_accepts_within_appetite(self, org, register):
        out = run(*self.ARGS, "--risk", "R-001", "--as", "owner@acme.test", "--valid-until", FUTURE)
        assert out.strip() == f"R-001 accepted at level medium until {FUTURE} by owner@acme.test."
        acceptance = RiskAcceptance.objects.get(risk__ref="R-001")
        assert acceptance.valid_until.isoformat() == FUTURE
        assert acceptance.accepted_by.email == "owner@acme.test"
        event = AuditEvent.objects.get(action="risk.accept")
        assert event.context.get("channel") == "cli"

    def test_default_validity_from_the_method(self, org, register):
        run(*self.ARGS, "--risk", "R-001", "--as", "owner@acme.test")
        acceptance = RiskAcceptance.objects.get(risk__ref="R-001")
        assert acceptance.valid_until == timezone.localdate() + dt.timedelta(days=365)

    def test_refusals_are_one_line(self, org, register, member):
        member(org, "viewer", email="vera@acme.test")
        cases = [
            (("--risk", "R-009", "--as", "owner@acme.test"), "No risk 'R-009' in 'acme'."),
            (
                ("--risk", "R-001", "--as", "owner@acme.test", "--valid-until", "31.12.2030"),
                "--valid-until: '31.12.2030' is not a date (YYYY-MM-DD).",
            ),
            (
                ("--risk", "R-001", "--as", "owner@acme.test", "--valid-until", "2000-01-01"),
                "valid_until: The acceptance must be valid after today.",
            ),
            (
                ("--risk", "R-003", "--as", "owner@acme.test"),
                "Assess the risk before accepting it.",
            ),
            (
                ("--risk", "R-002", "--as", "carl@acme.test"),  # critical: above the appetite
                "Within the appetite the risk owner accepts; above it, the organisation's owner.",
            ),
            (
                ("--risk", "R-001", "--as", "vera@acme.test"),
                "The role of 'vera@acme.test' in 'acme' does not allow them to accept risks.",
            ),
        ]
        for args, message in cases:
            with pytest.raises(CommandError) as exc:
                run(*self.ARGS, *args)
            assert str(exc.value) == message
            assert "\n" not in str(exc.value)
        short = ("accept", "--org", "acme", "--justification", "ok")
        with pytest.raises(CommandError, match=r"^justification: Say why"):
            run(*short, "--risk", "R-001", "--as", "owner@acme.test")
        assert not RiskAcceptance.objects.exists()
