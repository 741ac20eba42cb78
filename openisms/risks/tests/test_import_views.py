"""Spreadsheet imports through the UI upload page and the API (the importers themselves are
tested in test_import_export.py and assets/tests/test_import.py)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from openisms.accounts import services as account_services
from openisms.assets.models import Asset
from openisms.risks import services
from openisms.risks.models import Risk


def _csv(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def test_ui_asset_import_reports_problems_then_imports(client, org, owner):
    client.force_login(owner)
    bad = _csv("assets.csv", "name;type\nCRM;software\nLaptop;spaceship\n")
    r = client.post("/o/acme/assets/import/", {"file": bad})
    assert r.status_code == 422
    assert "row 3, column type" in r.content.decode()
    assert not Asset.objects.filter(organization=org).exists()
    good = _csv("assets.csv", f"name;type;owner\nCRM;software;{owner.email}\nLaptop;hardware;\n")
    r = client.post("/o/acme/assets/import/", {"file": good})
    assert r.status_code == 200 and "2 created" in r.content.decode()
    r = client.post(
        "/o/acme/assets/import/",
        {
            "file": _csv(
                "assets.csv", f"name;type;owner\nCRM;software;{owner.email}\nLaptop;hardware;\n"
            )
        },
    )
    assert "0 created, 0 updated, 2 unchanged" in r.content.decode()


def test_ui_risk_import_dry_run(client, org, owner):
    services.methodology_from_preset(organization=org, actor=owner, preset="4x4")
    client.force_login(owner)
    r = client.post(
        "/o/acme/risks/import/",
        {"file": _csv("risks.csv", "title,likelihood,impact\nRansomware,4,4\n"), "dry_run": "on"},
    )
    assert r.status_code == 200 and "nothing written" in r.content.decode()
    assert not Risk.objects.filter(organization=org).exists()


def test_api_imports(client, org, owner):
    services.methodology_from_preset(organization=org, actor=owner, preset="4x4")
    h = {
        "HTTP_AUTHORIZATION": "Bearer "
        + account_services.token_create(organization=org, actor=owner, name="t").secret
    }
    r = client.post(
        "/api/v1/orgs/acme/assets/import/",
        {"file": _csv("a.csv", "name,type\nCRM,software\n")},
        **h,
    )
    assert r.status_code == 200 and r.json()["created"] == 1
    r = client.post(
        "/api/v1/orgs/acme/risks/import/",
        {"file": _csv("r.csv", "title,assets,likelihood,impact\nLeak,CRM,9,1\n")},
        **h,
    )
    assert r.status_code == 422
    details = r.json()["error"]["details"]
    assert details[0]["loc"][-1].startswith("row 2, column likelihood")
    assert not Risk.objects.filter(organization=org).exists()
