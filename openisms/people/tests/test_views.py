from __future__ import annotations

import csv
import datetime as dt
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openisms.people import services
from openisms.people.models import Process

TODAY = timezone.localdate()


def _url(name, org, **kw):
    return reverse(f"people:{name}", kwargs={"org_slug": org.slug, **kw})


def test_raci_matrix_and_process_form(client, org, owner):
    manager = services.role_create(organization=org, actor=owner, name="ISMS manager")
    auditor = services.role_create(organization=org, actor=owner, name="Auditor")
    client.force_login(owner)
    response = client.post(
        _url("process_create", org),
        {"name": "Audit", f"raci_{manager.pk}": "R", f"raci_{auditor.pk}": "C"},
    )
    assert response.status_code == 422 and "exactly one Accountable" in response.content.decode()
    assert not Process.objects.exists()
    response = client.post(
        _url("process_create", org),
        {"name": "Audit", f"raci_{manager.pk}": "A", f"raci_{auditor.pk}": "R"},
    )
    assert response.status_code == 302
    html = client.get(_url("process_list", org)).content.decode()
    assert '<td class="raci-cell">A</td>' in html and '<td class="raci-cell">R</td>' in html
    process = Process.objects.get()
    response = client.post(
        _url("process_edit", org, pk=process.pk),
        {"name": "Audit", "version": 99, f"raci_{manager.pk}": "A"},
    )
    assert response.status_code == 409
    export = client.get(_url("process_export", org) + "?format=csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0] == ["process", "description", "Auditor", "ISMS manager"]
    assert rows[1] == ["Audit", "", "R", "A"]


def test_gaps_page(client, org, owner, member):
    carl = member(org, "contributor", email="carl@acme.test")
    network = services.competence_create(organization=org, actor=owner, name="Network security")
    services.role_create(
        organization=org, actor=owner, name="IT lead", holders=[carl], competences=[network]
    )
    services.training_create(
        organization=org,
        actor=owner,
        person=carl,
        competence=network,
        completed_on=TODAY - dt.timedelta(days=400),
        valid_until=TODAY - dt.timedelta(days=5),
    )
    client.force_login(member(org, "viewer"))
    html = client.get(_url("competence_gaps", org)).content.decode()
    assert html.count('data-testid="gap"') == 1 and "Training expired on" in html
    assert "style=" not in html


def test_role_form_and_detail(client, org, owner, member):
    maria = member(org, "manager")
    client.force_login(owner)
    response = client.post(
        _url("role_create", org),
        {"name": "DPO", "responsibilities": "GDPR", "holders": [str(maria.pk)]},
    )
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert maria.email in html or maria.get_full_name() in html


def test_lists_have_constant_query_counts(client, org, owner, member):
    client.force_login(owner)
    names = [
        "role_list",
        "process_list",
        "competence_list",
        "competence_gaps",
        "training_list",
        "campaign_list",
        "communication_list",
        "role_export",
        "process_export",
        "training_export",
        "gap_export",
    ]

    def make(start, n):
        for i in range(start, start + n):
            person = member(org, "viewer")
            c = services.competence_create(organization=org, actor=owner, name=f"C{i}")
            role = services.role_create(
                organization=org, actor=owner, name=f"R{i}", holders=[person], competences=[c]
            )
            services.process_create(organization=org, actor=owner, name=f"P{i}", raci={role: "A"})
            services.training_create(
                organization=org, actor=owner, person=person, title=f"T{i}", completed_on=TODAY
            )
            services.campaign_create(organization=org, actor=owner, title=f"A{i}", starts_on=TODAY)
            services.communication_create(
                organization=org,
                actor=owner,
                what=f"W{i}",
                when="Monthly",
                audience="All",
                communicator=person,
            )

    counts: dict[str, list[int]] = {}
    make(0, 3)
    for total in (3, 30):
        if total == 30:
            make(3, 27)
        for name in names:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(_url(name, org)).status_code == 200
            counts.setdefault(name, []).append(len(ctx))
    for name, (small, large) in counts.items():
        assert small == large, (name, small, large)
