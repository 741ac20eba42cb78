"""My work, the calendar, the secret feed (create once-shown, rotate, revoke, member who left)
and the iCalendar format; reminder preferences with versions."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from openisms.accounts.models import Membership
from openisms.core.models import AuditEvent
from openisms.pdca.ical import escape, fold
from openisms.pdca.models import CalendarFeedToken, ReminderPreference
from openisms.pdca.tests.helpers import DAY, TODAY, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(org, member):
    return member(org, "contributor", email="p@acme.test")


def test_my_work_lists_overdue_and_due_soon(
    client, org, owner, person, django_assert_max_num_queries
):
    pks = world(org, owner, person)
    client.force_login(person)
    url = reverse("pdca:my_work", kwargs={"org_slug": "acme"})
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/o/acme/my-work/"' in html and 'href="/o/acme/calendar/"' in html  # nav
    assert f'data-testid="work-document_review-{pks["document_review"]}"' in html
    assert f'data-testid="work-corrective_action-{pks["corrective_action"]}"' in html
    overdue = html.split('id="overdue"')[1].split('id="due-soon"')[0]
    assert "work-review_decision" in overdue and "work-risk_review" not in overdue
    client.force_login(owner)  # the owner owns nothing here
    assert "work-document_review" not in client.get(url).content.decode()
    client.force_login(person)
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    world(org, owner, person)
    world(org, owner, person)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_calendar_month_and_filters(client, org, owner, person):
    pks = world(org, owner, person)
    client.force_login(owner)
    url = reverse("pdca:calendar", kwargs={"org_slug": "acme"})
    target = TODAY + 7 * DAY
    html = client.get(url, {"month": f"{target:%Y-%m}"}).content.decode()
    assert f"cal-risk_review-{pks['risk_review']}" in html
    html = client.get(url, {"month": f"{target:%Y-%m}", "kind": "audit"}).content.decode()
    assert "cal-risk_review" not in html
    html = client.get(url, {"month": f"{target:%Y-%m}", "owner": owner.pk}).content.decode()
    assert "cal-risk_review" not in html
    assert client.get(url, {"month": "garbage", "owner": "x"}).status_code == 200


def _secret(client, org_slug="acme"):
    response = client.post(reverse("pdca:feed_create", kwargs={"org_slug": org_slug}))
    assert response.status_code == 200
    url = re.search(r'value="([^"]+\.ics)"', response.content.decode())
    return url.group(1).split("/ical/")[1][: -len(".ics")]


def test_feed_secret_hashed_rotated_and_revoked(client, org, owner, person):
    world(org, owner, person)
    client.force_login(person)
    secret = _secret(client)
    token = CalendarFeedToken.objects.get(user=person)
    assert secret not in token.key_hash and len(token.key_hash) == 64
    assert secret not in str(list(AuditEvent.objects.values_list("changes", flat=True)))
    client.logout()
    response = client.get(f"/ical/{secret}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert body.count("BEGIN:VEVENT") == 10 and "DTSTART;VALUE=DATE:" in body and "DTSTAMP:" in body
    assert "UID:document_review-" in body
    # rotate: the old address dies
    client.force_login(person)
    new = _secret(client)
    client.logout()
    assert client.get(f"/ical/{secret}.ics").status_code == 404
    assert client.get(f"/ical/{new}.ics").status_code == 200
    # a member who leaves: the feed stops
    Membership.objects.filter(user=person).delete()
    assert client.get(f"/ical/{new}.ics").status_code == 404
    assert client.get("/ical/nonsense.ics").status_code == 404


def test_feed_revoke(client, org, person):
    client.force_login(person)
    secret = _secret(client)
    response = client.post(reverse("pdca:feed_revoke", kwargs={"org_slug": "acme"}))
    assert response.status_code == 302
    assert client.get(f"/ical/{secret}.ics").status_code == 404
    assert CalendarFeedToken.objects.get(user=person).revoked_at is not None


def test_ical_escaping_and_folding():
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = fold("SUMMARY:" + "é" * 80)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts) and all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == "SUMMARY:" + "é" * 80


def test_reminder_preferences_with_versions(client, org, person):
    client.force_login(person)
    url = reverse("pdca:reminders", kwargs={"org_slug": "acme"})
    response = client.post(url, {"lead_days": "1, x", "enabled": "on"})
    assert response.status_code == 422 and "whole numbers" in response.content.decode()
    assert client.post(url, {"lead_days": "14,1", "version": "1"}).status_code == 302
    pref = ReminderPreference.objects.get(user=person)
    assert pref.lead_days == "1,14" and not pref.enabled and pref.version == 1
    assert client.post(url, {"lead_days": "3", "enabled": "on", "version": "1"}).status_code == 302
    stale = client.post(url, {"lead_days": "5", "enabled": "on", "version": "1"})
    assert stale.status_code == 409
    assert ReminderPreference.objects.get(user=person).lead_days == "3"
