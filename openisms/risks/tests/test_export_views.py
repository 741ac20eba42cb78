from __future__ import annotations

import io

from openpyxl import load_workbook

from openisms.accounts import services as account_services
from openisms.risks import services


def _register(org, owner):
    services.methodology_from_preset(organization=org, actor=owner, preset="4x4")
    for title in ("=cmd|' /C calc'!A0", "Ransomware"):
        risk = services.risk_create(organization=org, actor=owner, title=title)
        services.risk_assess(risk=risk, actor=owner, version=1, current=(4, 4))


def test_ui_export_xlsx_and_csv_with_filters(client, org, owner):
    _register(org, owner)
    client.force_login(owner)
    r = client.get("/o/acme/risks/export/?format=xlsx&q=Ransomware")
    assert r.status_code == 200 and r["Content-Disposition"].endswith('.xlsx"')
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    assert wb.sheetnames[:3] == ["Risk register", "Treatment plan", "Methodology"]
    titles = [row[1] for row in wb["Risk register"].iter_rows(min_row=2, values_only=True)]
    assert titles == ["Ransomware"]
    csv_text = client.get("/o/acme/risks/export/?format=csv").content.decode("utf-8-sig")
    assert "'=cmd" in csv_text  # formula neutralised
    assert client.get("/o/acme/risks/export/?format=pdf").status_code == 400


def test_api_export(client, org, owner):
    _register(org, owner)
    secret = account_services.token_create(organization=org, actor=owner, name="t").secret
    r = client.get(
        "/api/v1/orgs/acme/risks/export/?format=csv", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert r.status_code == 200 and "Ransomware" in r.content.decode()
    r = client.get("/api/v1/orgs/acme/risks/export/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert r.content[:2] == b"PK"  # an XLSX (zip) by default


def test_demo_register(db):
    from django.core.management import call_command

    from openisms.accounts.models import Organization
    from openisms.risks.models import Risk

    call_command("demo", stdout=io.StringIO())
    demo = Organization.objects.get(slug="demo")
    risks = Risk.objects.filter(organization=demo)
    assert risks.count() >= 25
    assert {r.treatment_option for r in risks} >= {"modify", "retain", "avoid", "share"}
    assert not Risk.objects.filter(organization__slug="demo-subsidiary").exists()
