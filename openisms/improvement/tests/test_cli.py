from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openisms.improvement import services
from openisms.improvement.tests.helpers import DAY, TODAY, make_nc


def test_nc_list_and_overdue(org, owner, member):
    late = make_nc(org, owner, title="Late")
    services.action_create(nc=late, actor=owner, title="Fix", due_date=TODAY - DAY)
    make_nc(org, owner, title="Fine")
    out = StringIO()
    call_command("nc", "list", "--org", "acme", stdout=out)
    assert "NC-001" in out.getvalue() and "NC-002" in out.getvalue()
    out = StringIO()
    call_command("nc", "list", "--org", "acme", "--overdue", "--format", "json", stdout=out)
    items = json.loads(out.getvalue())
    assert [(i["ref"], i["overdue_actions"]) for i in items] == [("NC-001", 1)]
    with pytest.raises(CommandError, match="Unknown organisation"):
        call_command("nc", "list", "--org", "nope")
    outsider = member(org, "viewer")
    call_command("nc", "list", "--org", "acme", "--as", outsider.email, stdout=StringIO())
