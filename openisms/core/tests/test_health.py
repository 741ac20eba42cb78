from __future__ import annotations

from unittest import mock


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_readyz_ok(client, db):
    r = client.get("/readyz")
    assert r.status_code == 200, r.content


def test_readyz_pending_migrations_is_503(client, db):
    with mock.patch("openisms.core.views.pending_migrations", return_value=["core.0099_new"]):
        r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["pending_migrations"] == ["core.0099_new"]


def test_readyz_database_down_is_503(client, db):
    with mock.patch(
        "openisms.core.views.pending_migrations", side_effect=RuntimeError("connection refused")
    ):
        r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["database"] == "unreachable"
    assert "connection refused" not in r.content.decode()  # details stay in the log


def test_request_id_is_returned_and_recorded(client, org, owner):
    from openisms.core.models import AuditEvent

    client.force_login(owner)
    r = client.post(
        "/o/acme/settings/", {"name": "New", "version": 1}, HTTP_X_REQUEST_ID="req-12345678"
    )
    assert r["X-Request-ID"] == "req-12345678"
    event = AuditEvent.objects.get(action="update")
    assert event.request_id == "req-12345678"
    assert event.context["channel"] == "web" and event.context["ip"] == "127.0.0.1"


def test_audit_filter_far_future_date_does_not_crash(client, org, owner):
    client.force_login(owner)
    assert client.get("/o/acme/audit/?until=9999-12-31").status_code == 200
