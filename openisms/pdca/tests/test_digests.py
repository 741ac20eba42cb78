"""Daily digests through a real SMTP server on 127.0.0.1: one mail per user and day however
often the task runs, lead times, opt-out, the schedule hook, and a failed send retried."""

from __future__ import annotations

import socketserver
import threading

import pytest

from openisms.pdca import schedule
from openisms.pdca.digests import send_digest, send_digests
from openisms.pdca.models import DigestLog
from openisms.pdca.services import preference_update
from openisms.pdca.tests.helpers import DAY, TODAY, world

pytestmark = pytest.mark.django_db


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept mail (no TLS, no AUTH)."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ESMTP\r\n")
        rcpts: list[str] = []
        while line := self.rfile.readline():
            cmd = line.decode().strip()
            verb = cmd.upper()
            if verb.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 test\r\n")
            elif verb.startswith("MAIL FROM"):
                rcpts = []
                self.wfile.write(b"250 OK\r\n")
            elif verb.startswith("RCPT TO"):
                rcpts.append(cmd.split(":", 1)[1].strip(" <>"))
                self.wfile.write(b"250 OK\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go\r\n")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk)
                self.server.messages.append((rcpts, b"".join(data).decode()))  # type: ignore[attr-defined]
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture
def smtp(settings):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.daemon_threads = True
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.server_address[1], "use_tls": False},
        }
    }
    yield server
    server.shutdown()
    server.server_close()


def test_one_digest_per_user_and_day_even_when_run_twice(smtp, org, owner, member):
    person = member(org, "contributor", email="p@acme.test")
    world(org, owner, person)
    first = send_digests(TODAY)
    again = send_digests(TODAY)
    to_person = [m for m in smtp.messages if m[0] == ["p@acme.test"]]
    assert len(to_person) == 1, smtp.messages
    body = to_person[0][1]
    assert "Overdue" in body and "Access policy" in body and "Hire a CISO" in body
    # due exactly at a lead time (0, 7, 30): the risk review (7) and the metric (30), the
    # control test (today); the corrective action (5 days) is not announced today
    assert "Laptop theft" in body and "Phishing clicks" in body and "Restore test" in body
    assert "Fix gate log" not in body
    assert first["sent"] >= 1 and again["sent"] == 0
    assert send_digest(user=person, today=TODAY) is None  # a restarted run: the log wins
    assert DigestLog.objects.filter(user=person, date=TODAY, sent=True).count() == 1
    assert not [m for m in smtp.messages if m[0] == ["owner@acme.test"]]  # owns nothing
    assert DigestLog.objects.get(user=owner, date=TODAY).sent is False
    assert schedule.due(TODAY) is False


def test_lead_times_and_opt_out(smtp, org, owner, member):
    person = member(org, "contributor", email="p@acme.test")
    world(org, owner, person)
    preference_update(organization=org, actor=person, enabled=True, lead_days="5", version=None)
    send_digests(TODAY)
    body = next(m[1] for m in smtp.messages if m[0] == ["p@acme.test"])
    assert "Fix gate log" in body and "Laptop theft" not in body
    preference_update(organization=org, actor=person, enabled=False, lead_days="5", version=1)
    send_digests(TODAY + DAY)
    assert len([m for m in smtp.messages if m[0] == ["p@acme.test"]]) == 1


def test_failed_send_is_retried_not_logged(settings, org, owner, member):
    person = member(org, "contributor", email="p@acme.test")
    world(org, owner, person)
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "use_tls": False, "timeout": 2},
        }
    }
    stats = send_digests(TODAY)
    assert stats["failed"] >= 1
    assert not DigestLog.objects.filter(user=person).exists()


def test_schedule_enqueues_once(org, owner):
    from django_tasks_db.models import DBTaskResult

    assert schedule.due(TODAY)
    assert schedule.enqueue_if_due(TODAY) is True
    assert schedule.enqueue_if_due(TODAY) is False  # one is queued already
    assert DBTaskResult.objects.filter(task_path=schedule.TASK_PATH).count() == 1
