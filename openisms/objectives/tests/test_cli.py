from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openisms.objectives import services
from openisms.objectives.models import Measurement


def test_measure_and_list(org, owner, member):
    metric = services.metric_create(
        organization=org, actor=owner, name="Patch rate", target=Decimal(95), warning=Decimal(90)
    )
    out = StringIO()
    call_command(
        "objectives",
        "measure",
        "--org",
        "acme",
        "--metric",
        "met-001",
        "--value",
        "92.5",
        "--as",
        owner.email,
        "--on",
        "2026-01-31",
        "--source",
        "Patch console",
        stdout=out,
    )
    assert "MET-001 = 92.5" in out.getvalue()
    m = Measurement.objects.get(metric=metric)
    assert m.value == Decimal("92.5") and m.source == "Patch console" and m.recorded_by == owner
    out = StringIO()
    call_command("objectives", "list", "--org", "acme", stdout=out)
    assert "MET-001" in out.getvalue() and "warning" in out.getvalue()
    out = StringIO()
    call_command("objectives", "list", "--org", "acme", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["metrics"][0]["status"] == "warning"


def test_measure_errors(org, owner, member):
    services.metric_create(organization=org, actor=owner, name="Patch rate", target=Decimal(95))
    carl = member(org, "contributor")
    viewer = member(org, "viewer")
    base = ["objectives", "measure", "--org", "acme", "--metric", "MET-001"]
    with pytest.raises(CommandError, match="Unknown metric"):
        call_command(*base[:-1], "MET-999", "--value", "1", "--as", owner.email)
    with pytest.raises(CommandError, match="value: Enter a number"):
        call_command(*base, "--value", "abc", "--as", owner.email)
    with pytest.raises(CommandError, match="not a date"):
        call_command(*base, "--value", "1", "--as", owner.email, "--on", "31/01/2026")
    with pytest.raises(CommandError, match="measured by someone else"):
        call_command(*base, "--value", "1", "--as", carl.email)
    with pytest.raises(CommandError, match="does not allow"):
        call_command(*base, "--value", "1", "--as", viewer.email)
    with pytest.raises(CommandError, match="Unknown organisation"):
        call_command("objectives", "list", "--org", "nope")
    assert not Measurement.objects.exists()
