from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from openisms.core import audit
from openisms.core.models import AuditChain, AuditEvent


def _chain(n: int) -> list[dict]:
    """A valid chain of n events, built without the database."""
    events, prev = [], ""
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(1, n + 1):
        ev = {
            "seq": i,
            "organization_id": 1,
            "timestamp": start + dt.timedelta(seconds=i),
            "actor_id": i % 3 or None,
            "actor_label": f"user{i}@x.test",
            "action": "update",
            "object_type": "risks.risk",
            "object_id": str(i),
            "object_repr": f"R-{i:03}",
            "changes": {"title": [f"old {i}", f"new {i}"]},
            "context": {"ip": "127.0.0.1"},
            "request_id": f"req{i}",
            "prev_hash": prev,
        }
        ev["hash"] = audit.compute_hash(ev)
        prev = ev["hash"]
        events.append(ev)
    return events


def _verify(events: list[dict], head: tuple[int, str]) -> audit.ChainReport:
    return audit.verify_events(
        sorted(events, key=lambda e: e["seq"]), key="org:1", head_seq=head[0], head_hash=head[1]
    )


MUTABLE = ["actor_label", "action", "object_id", "object_repr", "request_id", "actor_id"]


@settings(max_examples=200, deadline=None)
@given(n=st.integers(2, 25), data=st.data())
def test_any_altered_event_is_detected(n, data):
    events = _chain(n)
    head = (events[-1]["seq"], events[-1]["hash"])
    assert _verify(events, head).ok
    i = data.draw(st.integers(0, n - 1))
    field = data.draw(st.sampled_from([*MUTABLE, "changes", "timestamp"]))
    ev = events[i]
    if field == "changes":
        ev["changes"] = {"title": ["old", data.draw(st.text(max_size=5))]}
        if ev["changes"] == {"title": [f"old {i + 1}", f"new {i + 1}"]}:
            return
    elif field == "timestamp":
        ev["timestamp"] = ev["timestamp"] + dt.timedelta(
            microseconds=data.draw(st.integers(1, 10**6))
        )
    elif field == "actor_id":
        ev["actor_id"] = data.draw(st.integers(1000, 2000))
    else:
        ev[field] = ev[field] + data.draw(st.text(min_size=1, max_size=5))
    report = _verify(events, head)
    assert not report.ok
    assert report.broken_seq == i + 1


@settings(max_examples=200, deadline=None)
@given(n=st.integers(2, 25), data=st.data())
def test_any_deleted_event_is_detected(n, data):
    events = _chain(n)
    head = (events[-1]["seq"], events[-1]["hash"])
    i = data.draw(st.integers(0, n - 1))
    del events[i]
    report = _verify(events, head)
    assert not report.ok
    assert report.broken_seq == i + 1


@settings(max_examples=200, deadline=None)
@given(n=st.integers(2, 25), data=st.data())
def test_any_reordering_is_detected(n, data):
    """Swapping the positions (seq numbers) of two events breaks the chain."""
    events = _chain(n)
    head = (events[-1]["seq"], events[-1]["hash"])
    i = data.draw(st.integers(0, n - 2))
    j = data.draw(st.integers(i + 1, n - 1))
    events[i]["seq"], events[j]["seq"] = events[j]["seq"], events[i]["seq"]
    report = _verify(events, head)
    assert not report.ok
    assert report.broken_seq == i + 1


@given(n=st.integers(1, 25))
def test_untouched_chain_verifies(n):
    events = _chain(n)
    assert _verify(events, (n, events[-1]["hash"])) == audit.ChainReport("org:1", n, True)


def test_recorded_events_form_a_verifiable_chain(org, owner):
    for i in range(3):
        audit.record(organization=org, actor=owner, action="test", changes={"n": [i, i + 1]})
    chain = AuditChain.objects.get(organization=org)
    events = list(AuditEvent.objects.filter(chain=chain).order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    assert chain.last_hash == events[-1].hash
    assert audit.verify_chain(chain).ok


def test_chains_are_per_organisation(org, other_org, owner):
    audit.record(organization=org, actor=owner, action="a")
    audit.record(organization=other_org, actor=None, action="b")
    audit.record(organization=org, actor=owner, action="c")
    assert list(AuditEvent.objects.filter(organization=org).values_list("seq", flat=True)) == [1, 2]
    assert AuditEvent.objects.get(organization=other_org).seq == 1


@pytest.mark.parametrize("operation", ["update", "delete"])
def test_database_refuses_changes_to_events(org, owner, operation):
    audit.record(organization=org, actor=owner, action="test")
    with pytest.raises(DatabaseError), transaction.atomic():
        qs = AuditEvent.objects.filter(organization=org)
        if operation == "update":
            qs.update(action="forged")
        else:
            qs.delete()
    assert AuditEvent.objects.get(organization=org).action == "test"


def _drop_triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditevent_no_update ON core_auditevent")
            cursor.execute("DROP TRIGGER core_auditevent_no_delete ON core_auditevent")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
            cursor.execute("DROP TRIGGER core_auditevent_no_delete")


def test_verify_command_reports_tampering(org, owner, capsys):
    for i in range(5):
        audit.record(organization=org, actor=owner, action="test", changes={"i": [None, i]})
    call_command("auditlog", "verify", "--org", org.slug)
    assert "OK, 5 events checked" in capsys.readouterr().out
    _drop_triggers()  # what an attacker with database access could do; rolled back after the test
    AuditEvent.objects.filter(organization=org, seq=3).update(actor_label="someone-else")
    with pytest.raises(CommandError, match=r"event 3: event content altered"):
        call_command("auditlog", "verify", "--org", org.slug)
    out = capsys.readouterr().out
    assert "BROKEN at event 3" in out


def test_verify_command_detects_removed_tail(org, owner):
    for _ in range(3):
        audit.record(organization=org, actor=owner, action="test")
    _drop_triggers()
    AuditEvent.objects.filter(organization=org, seq=3).delete()
    with pytest.raises(CommandError, match="events missing at the end"):
        call_command("auditlog", "verify")


def test_record_many_continues_the_same_chain(org, owner):
    from openisms.accounts.models import Membership

    audit.record(organization=org, actor=owner, action="before")
    objs = list(Membership.objects.filter(organization=org))
    audit.record_many(
        organization=org,
        actor=owner,
        action="bulk",
        entries=[(m, {"n": [0, i]}) for i, m in enumerate(objs * 3)],
    )
    audit.record(organization=org, actor=owner, action="after")
    chain = AuditChain.objects.get(organization=org)
    report = audit.verify_chain(chain)
    assert report.ok and report.checked == 2 + 3 * len(objs)
    assert (
        list(AuditEvent.objects.filter(organization=org).values_list("action", flat=True))[-1]
        == "after"
    )
