"""Evidence requests: the auditor asks, the organisation answers by linking evidence, the
requester closes (or reopens with a note); permissions, other organisations' records, stale
versions, the pages, the API and the export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openisms.accounts.services import token_create
from openisms.controls import evidence_services
from openisms.controls import request_services as services
from openisms.controls import services as control_services
from openisms.controls.models import EvidenceRequest
from openisms.core.audit import AuditEvent
from openisms.core.exceptions import ConflictError

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)
BASE = "/o/acme/evidence-requests/"
API = "/api/v1/orgs/acme/evidence-requests/"


@pytest.fixture
def auditor(org, member):
    return member(org, "auditor", email="auditor@acme.test")


@pytest.fixture
def contributor(org, member):
    return member(org, "contributor", email="contrib@acme.test")


@pytest.fixture
def manager(org, member):
    return member(org, "manager", email="manager@acme.test")


def note(org, actor, title="Access review Q3"):
    return evidence_services.evidence_create(
        organization=org, actor=actor, kind="note", title=title, note="Reviewed."
    )


def ask(org, actor, **data):
    data.setdefault("title", "Please provide the Q3 access review")
    return services.request_create(organization=org, actor=actor, **data)


# --- services -----------------------------------------------------------------------------------


def test_lifecycle_request_answer_close(org, owner, auditor, contributor):
    er = ask(org, auditor, due_date=TODAY + 7 * DAY)
    assert er.ref == "ER-001" and er.status == "open" and er.requested_by == auditor
    assert er.requested_on == TODAY and not er.is_overdue()
    item = note(org, owner)
    er = services.request_answer(
        er=er, actor=contributor, evidence=[item], note="Attached.", version=1
    )
    er.refresh_from_db()
    assert er.status == "answered" and er.answered_by == contributor and er.answered_at
    assert list(er.evidence.all()) == [item] and er.answer_note == "Attached."
    er = services.request_transition(er=er, actor=auditor, to="closed", version=er.version)
    assert EvidenceRequest.objects.get(pk=er.pk).status == "closed"
    with pytest.raises(ValidationError):
        services.request_transition(er=er, actor=auditor, to="withdrawn", version=er.version)
    actions = set(AuditEvent.objects.filter(object_id=str(er.pk)).values_list("action", flat=True))
    assert {"create", "evidence_request.answer", "evidence_request.transition"} <= actions


def test_reopen_needs_requester_and_note(org, owner, auditor, manager):
    er = ask(org, auditor)
    er = services.request_answer(er=er, actor=owner, evidence=[], note="See SharePoint", version=1)
    with pytest.raises(PermissionDenied):
        services.request_transition(er=er, actor=manager, to="open", version=er.version, note="x")
    with pytest.raises(ValidationError) as exc:
        services.request_transition(er=er, actor=auditor, to="open", version=er.version)
    assert "note" in exc.value.message_dict
    er = services.request_transition(
        er=er, actor=auditor, to="open", version=er.version, note="Only July is covered."
    )
    assert er.status == "open" and er.requester_note == "Only July is covered."


def test_close_by_requester_or_audit_manager_only(org, owner, auditor, member):
    other_auditor = member(org, "auditor", email="aud2@acme.test")
    er = ask(org, auditor)
    er = services.request_answer(er=er, actor=owner, evidence=[], note="Done", version=1)
    with pytest.raises(PermissionDenied):
        services.request_transition(er=er, actor=other_auditor, to="closed", version=er.version)
    # A manager holds audits.manage_audits: may close another's request.
    er = services.request_transition(er=er, actor=owner, to="closed", version=er.version)
    assert er.status == "closed"


def test_withdraw_and_invalid_transitions(org, auditor):
    er = ask(org, auditor)
    with pytest.raises(ValidationError):
        services.request_transition(er=er, actor=auditor, to="closed", version=1)
    er = services.request_transition(er=er, actor=auditor, to="withdrawn", version=1)
    assert er.status == "withdrawn"


def test_permissions_auditor_asks_contributor_answers(org, owner, auditor, contributor, member):
    viewer = member(org, "viewer")
    with pytest.raises(PermissionDenied):
        ask(org, contributor)
    with pytest.raises(PermissionDenied):
        ask(org, viewer)
    er = ask(org, auditor)
    with pytest.raises(PermissionDenied):
        services.request_answer(er=er, actor=auditor, evidence=[], note="x", version=1)
    with pytest.raises(PermissionDenied):
        services.request_transition(er=er, actor=contributor, to="withdrawn", version=1)


def test_other_organisation_refused(org, owner, auditor, other_org, member):
    globex = member(other_org, "owner")
    foreign_evidence = note(other_org, globex)
    foreign_control = control_services.control_create(
        organization=other_org, actor=globex, name="Backups"
    )
    with pytest.raises(ValidationError) as exc:
        ask(org, auditor, control=foreign_control)
    assert "control" in exc.value.message_dict
    er = ask(org, auditor)
    with pytest.raises(ValidationError) as exc:
        services.request_answer(er=er, actor=owner, evidence=[foreign_evidence], note="", version=1)
    assert "evidence" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.resolve_evidence(org, [foreign_evidence.pk])
    with pytest.raises(ValidationError):
        services.resolve_control(org, foreign_control.pk)
    assert EvidenceRequest.objects.get(pk=er.pk).status == "open"


def test_stale_version_conflict(org, owner, auditor):
    er = ask(org, auditor)
    services.request_update(er=er, actor=auditor, version=1, title="Q3 and Q4 access review")
    stale = EvidenceRequest.objects.get(pk=er.pk)
    with pytest.raises(ConflictError):
        services.request_answer(er=stale, actor=owner, evidence=[], note="x", version=1)
    fresh = EvidenceRequest.objects.get(pk=er.pk)
    assert fresh.status == "open" and fresh.evidence.count() == 0


def test_answer_needs_evidence_or_note_and_dates_checked(org, owner, auditor):
    er = ask(org, auditor)
    with pytest.raises(ValidationError) as exc:
        services.request_answer(er=er, actor=owner, evidence=[], note="  ", version=1)
    assert "evidence" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ask(org, auditor, due_date=TODAY - DAY)
    assert "due_date" in exc.value.message_dict


# --- views --------------------------------------------------------------------------------------


def test_views_create_answer_close(client, org, owner, auditor, contributor):
    item = note(org, owner)
    client.force_login(auditor)
    assert client.get(BASE + "new/").status_code == 200
    response = client.post(BASE + "new/", {"title": "Provide the Q3 access review"})
    assert response.status_code == 302
    er = EvidenceRequest.objects.get(organization=org)
    page = client.get(response["Location"]).content.decode()
    assert "Provide the Q3 access review" in page and 'data-testid="answer-form"' not in page
    assert client.post(f"{BASE}{er.pk}/answer/", {"version": 1, "note": "x"}).status_code == 403

    client.force_login(contributor)
    assert client.post(BASE + "new/", {"title": "x"}).status_code == 403
    page = client.get(f"{BASE}{er.pk}/").content.decode()
    assert 'data-testid="answer-form"' in page and item.ref in page
    response = client.post(
        f"{BASE}{er.pk}/answer/", {"version": 1, "evidence": [item.pk], "note": "Here."}
    )
    assert response.status_code == 302
    er.refresh_from_db()
    assert er.status == "answered"
    page = client.get(f"{BASE}{er.pk}/").content.decode()
    assert f"/o/acme/evidence/{item.pk}/" in page

    client.force_login(auditor)
    client.post(f"{BASE}{er.pk}/status/", {"version": er.version, "to": "closed"})
    er.refresh_from_db()
    assert er.status == "closed"


def test_view_stale_answer_shows_conflict(client, org, owner, auditor):
    er = ask(org, auditor)
    services.request_update(er=er, actor=auditor, version=1, title="Changed")
    client.force_login(owner)
    response = client.post(f"{BASE}{er.pk}/answer/", {"version": 1, "note": "x"})
    assert response.status_code == 409 and 'data-testid="reload"' in response.content.decode()
    assert EvidenceRequest.objects.get(pk=er.pk).status == "open"
    # A transition without the version seen is refused, nothing changes.
    client.post(f"{BASE}{er.pk}/status/", {"to": "withdrawn"})
    assert EvidenceRequest.objects.get(pk=er.pk).status == "open"


def test_view_foreign_evidence_refused(client, org, owner, auditor, other_org, member):
    foreign = note(other_org, member(other_org, "owner"))
    er = ask(org, auditor)
    client.force_login(owner)
    response = client.post(f"{BASE}{er.pk}/answer/", {"version": 1, "evidence": [foreign.pk]})
    assert response.status_code == 422
    assert EvidenceRequest.objects.get(pk=er.pk).status == "open"


def test_list_filters_and_query_count(client, org, owner, auditor, django_assert_max_num_queries):
    late = ask(org, auditor, title="Late one", requested_on=TODAY - 10 * DAY, due_date=TODAY - DAY)
    ask(org, auditor, title="On time", due_date=TODAY + DAY)
    client.force_login(auditor)
    page = client.get(BASE + "?overdue=on").content.decode()
    assert "Late one" in page and "On time" not in page and f"overdue-{late.ref}" in page
    page = client.get(BASE + "?status=answered").content.decode()
    assert "Late one" not in page
    for i in range(5):
        er = ask(org, auditor, title=f"Req {i}")
        services.request_answer(
            er=er, actor=owner, evidence=[note(org, owner, f"E{i}")], note="", version=1
        )
    with django_assert_max_num_queries(20) as few:
        client.get(BASE)
    for i in range(10):
        er = ask(org, auditor, title=f"More {i}")
        services.request_answer(
            er=er, actor=owner, evidence=[note(org, owner, f"F{i}")], note="", version=1
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(BASE)


def test_export_csv_and_xlsx(client, org, owner, auditor):
    er = ask(org, auditor, title="=HYPERLINK(1)")
    item = note(org, owner)
    services.request_answer(er=er, actor=owner, evidence=[item], note="ok", version=1)
    client.force_login(auditor)
    response = client.get(BASE + "export/?format=csv")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "ref" and rows[1][0] == "ER-001" and rows[1][8] == item.ref
    assert not rows[1][1].startswith("=")
    xlsx = client.get(BASE + "export/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get(BASE + "export/?format=pdf").status_code == 400


# --- API ----------------------------------------------------------------------------------------


@pytest.fixture
def call(client, org):
    def make(user):
        secret = token_create(organization=org, actor=user, name="t").secret

        def do(method, path="", body=None, **headers):
            return client.generic(
                method,
                API + path,
                data=json.dumps(body) if body is not None else "",
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {secret}",
                **headers,
            )

        return do

    return make


def test_api_lifecycle(call, org, owner, auditor, contributor, other_org, member):
    item = note(org, owner)
    foreign = note(other_org, member(other_org, "owner"))
    control = control_services.control_create(organization=org, actor=owner, name="Access")
    aud, con = call(auditor), call(contributor)
    assert con("POST", body={"title": "x"}).status_code == 403
    response = aud("POST", body={"title": "Q3 review", "control_id": control.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ref"] == "ER-001" and body["control_id"] == control.pk and body["version"] == 1
    pk = body["id"]
    bad = aud("POST", body={"title": "x", "control_id": 999999})
    assert bad.status_code == 422 and "control_id" in bad.content.decode()
    assert aud("PATCH", f"{pk}/", {"title": "y"}).status_code == 428
    ok = aud("PATCH", f"{pk}/", {"title": "Q3 access review", "version": 1})
    assert ok.status_code == 200 and ok["ETag"] == '"2"'
    assert aud("PATCH", f"{pk}/", {"title": "z", "version": 1}).status_code == 409
    assert aud("POST", f"{pk}/answer/", {"note": "x", "version": 2}).status_code == 403
    refused = con("POST", f"{pk}/answer/", {"evidence": [foreign.pk], "version": 2})
    assert refused.status_code == 422 and "evidence" in refused.content.decode()
    stale = con("POST", f"{pk}/answer/", {"evidence": [item.pk]}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    answered = con("POST", f"{pk}/answer/", {"evidence": [item.pk], "note": "ok", "version": 2})
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "answered"
    assert answered.json()["evidence"] == [{"id": item.pk, "ref": item.ref, "title": item.title}]
    reopen = aud("POST", f"{pk}/status/", {"status": "open", "version": 3})
    assert reopen.status_code == 422
    done = aud("POST", f"{pk}/status/", {"status": "closed", "version": 3})
    assert done.status_code == 200 and done.json()["status"] == "closed"
    listed = aud("GET", "?status=closed").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == pk
    assert aud("GET", "?status=open").json()["count"] == 0
    assert aud("GET", f"{pk}/").json()["ref"] == "ER-001"


def test_only_the_requester_or_an_audit_manager_edits_or_withdraws(org, owner, member):
    from django.core.exceptions import PermissionDenied

    from openisms.controls import request_services

    alex = member(org, "auditor", email="alex@acme.test")
    sam = member(org, "auditor", email="sam@acme.test")
    er = request_services.request_create(organization=org, actor=alex, title="Q3 access review")
    with pytest.raises(PermissionDenied):
        request_services.request_update(er=er, actor=sam, version=er.version, title="Mine now")
    with pytest.raises(PermissionDenied):
        request_services.request_transition(er=er, actor=sam, to="withdrawn", version=er.version)
    er.refresh_from_db()
    er = request_services.request_update(er=er, actor=owner, version=er.version, title="Q3 review")
    er = request_services.request_transition(er=er, actor=alex, to="withdrawn", version=er.version)
    assert er.status == "withdrawn" and er.title == "Q3 review"
