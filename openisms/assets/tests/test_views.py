from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openisms.assets import services
from openisms.assets.choices import Requirement
from openisms.assets.models import Asset, ClassificationLevel

URL = "/o/acme/assets/"


def make(org, actor, **data):
    data.setdefault("type", "software")
    return services.asset_create(organization=org, actor=actor, **data)


def form_data(**overrides):
    data = {
        "name": "CRM",
        "type": "service",
        "description": "",
        "owner": "",
        "custodian": "",
        "classification": "",
        "confidentiality": "2",
        "integrity": "2",
        "availability": "2",
        "location": "",
        "lifecycle": "in_use",
        "in_scope": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def viewer(org, member):
    return member(org, "viewer", email="viewer@acme.test")


class TestList:
    def test_query_count_is_constant(self, client, org, owner):
        client.force_login(owner)

        def count():
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(URL).status_code == 200
            return len(ctx.captured_queries)

        for i in range(3):
            make(org, owner, name=f"Few {i}", owner=owner)
        few = count()
        for i in range(27):
            make(org, owner, name=f"Many {i}", owner=owner)
        assert count() == few

    def test_filters_sort_and_htmx_partial(self, client, org, owner, member):
        alice = member(org, "contributor", email="alice@acme.test")
        make(org, owner, name="Mail server", type="hardware", owner=alice)
        make(org, owner, name="Payroll data", type="information", in_scope=False)
        make(org, owner, name="Website", type="service")
        client.force_login(owner)
        html = client.get(URL + "?type=hardware").content.decode()
        assert "Mail server" in html and "Website" not in html
        html = client.get(URL + f"?owner={alice.pk}").content.decode()
        assert "Mail server" in html and "Payroll" not in html
        html = client.get(URL + "?in_scope=no").content.decode()
        assert "Payroll data" in html and "Website" not in html
        html = client.get(URL + "?q=web").content.decode()
        assert "Website" in html and "Mail server" not in html
        html = client.get(URL + "?sort=-name").content.decode()
        assert html.index("Website") < html.index("Payroll data") < html.index("Mail server")
        assert "sort=name" in html  # the column toggles back to ascending
        r = client.get(URL + "?sort=type", HTTP_HX_REQUEST="true")
        body = r.content.decode()
        assert body.lstrip().startswith('<div id="results">')
        assert "HX-Request" in r["Vary"]
        assert body.index("Mail server") < body.index("Payroll data") < body.index("Website")

    def test_pagination_keeps_filters(self, client, org, owner):
        for i in range(51):
            make(org, owner, name=f"Laptop {i:02d}", type="hardware")
        client.force_login(owner)
        html = client.get(URL + "?type=hardware").content.decode()
        assert "51 assets" in html and "type=hardware&amp;page=2" in html
        assert "Laptop 50" in client.get(URL + "?type=hardware&page=2").content.decode()

    def test_new_button_only_for_those_who_may_change(self, client, org, owner, viewer):
        client.force_login(viewer)
        html = client.get(URL).content.decode()
        assert "New asset" not in html
        client.force_login(owner)
        assert "New asset" in client.get(URL).content.decode()

    def test_navigation_has_assets(self, client, org, viewer):
        client.force_login(viewer)
        html = client.get("/o/acme/").content.decode()
        assert 'href="/o/acme/assets/"' in html


class TestCreateEditDelete:
    def test_create_with_generated_ref_and_dependencies(self, client, org, owner, member):
        db = make(org, owner, name="Database")
        custodian = member(org, "contributor", email="ops@acme.test")
        client.force_login(owner)
        r = client.post(
            URL + "new/",
            form_data(
                owner=str(owner.pk),
                custodian=str(custodian.pk),
                depends_on=[str(db.pk)],
                confidentiality="4",
            ),
        )
        assert r.status_code == 302
        asset = Asset.objects.get(organization=org, name="CRM")
        assert asset.ref == "A-002" and asset.owner == owner and asset.custodian == custodian
        assert asset.confidentiality == Requirement.VERY_HIGH
        assert list(asset.depends_on.all()) == [db]
        assert r["Location"] == f"/o/acme/assets/{asset.pk}/"

    def test_create_with_explicit_ref_and_duplicate(self, client, org, owner):
        client.force_login(owner)
        assert client.post(URL + "new/", form_data(ref="A-100")).status_code == 302
        r = client.post(URL + "new/", form_data(ref="A-100", name="Again"))
        assert r.status_code == 422
        assert "A-100 already exists" in r.content.decode()

    def test_field_errors_are_422(self, client, org, owner, other_org, member):
        stranger = member(other_org, "owner", email="stranger@globex.test")
        client.force_login(owner)
        r = client.post(URL + "new/", form_data(name="", owner=str(stranger.pk)))
        assert r.status_code == 422
        form = r.context["form"]
        assert "name" in form.errors and "owner" in form.errors  # not a member: not a choice

    def test_edit_saves_and_bumps_version(self, client, org, owner):
        asset = make(org, owner, name="Old name")
        client.force_login(owner)
        page = client.get(f"{URL}{asset.pk}/edit/").content.decode()
        assert 'name="version" value="1"' in page and "Old name" in page
        r = client.post(f"{URL}{asset.pk}/edit/", form_data(name="New name", version="1"))
        assert r.status_code == 302
        asset.refresh_from_db()
        assert (asset.name, asset.version, asset.ref) == ("New name", 2, "A-001")

    def test_stale_edit_is_409_with_reload_link(self, client, org, owner):
        asset = make(org, owner, name="Shared")
        services.asset_update(asset=asset, actor=owner, version=1, name="Changed elsewhere")
        client.force_login(owner)
        r = client.post(f"{URL}{asset.pk}/edit/", form_data(name="Mine", version="1"))
        assert r.status_code == 409
        body = r.content.decode()
        assert "changed by someone else" in body
        assert f'href="/o/acme/assets/{asset.pk}/edit/"' in body
        asset.refresh_from_db()
        assert asset.name == "Changed elsewhere"

    def test_asset_cannot_depend_on_itself_offered(self, client, org, owner):
        a = make(org, owner, name="A")
        b = make(org, owner, name="B")
        client.force_login(owner)
        form = client.get(f"{URL}{a.pk}/edit/").context["form"]
        assert list(form.fields["depends_on"].queryset) == [b]

    def test_delete(self, client, org, owner):
        asset = make(org, owner, name="Gone")
        client.force_login(owner)
        r = client.post(f"{URL}{asset.pk}/delete/", {"version": "1"})
        assert r.status_code == 302 and r["Location"] == URL
        assert not Asset.objects.filter(pk=asset.pk).exists()

    def test_stale_delete_is_refused(self, client, org, owner):
        asset = make(org, owner, name="Kept")
        services.asset_update(asset=asset, actor=owner, version=1, name="Kept too")
        client.force_login(owner)
        r = client.post(f"{URL}{asset.pk}/delete/", {"version": "1"}, follow=True)
        assert "changed by someone else" in r.content.decode()
        assert Asset.objects.filter(pk=asset.pk).exists()

    def test_viewer_gets_403_on_every_write(self, client, org, owner, viewer):
        asset = make(org, owner, name="Locked")
        client.force_login(viewer)
        assert client.get(URL + "new/").status_code == 403
        assert client.post(URL + "new/", form_data()).status_code == 403
        assert client.post(f"{URL}{asset.pk}/edit/", form_data(version="1")).status_code == 403
        assert client.post(f"{URL}{asset.pk}/delete/", {"version": "1"}).status_code == 403
        html = client.get(f"{URL}{asset.pk}/").content.decode()
        assert "/edit/" not in html and "/delete/" not in html

    def test_contributor_edits_only_own_assets(self, client, org, owner, member):
        alice = member(org, "contributor", email="alice@acme.test")
        mine = make(org, owner, name="Mine", owner=alice)
        theirs = make(org, owner, name="Theirs", owner=owner)
        client.force_login(alice)
        assert client.get(f"{URL}{mine.pk}/edit/").status_code == 200
        assert client.get(f"{URL}{theirs.pk}/edit/").status_code == 403
        assert client.post(f"{URL}{theirs.pk}/delete/", {"version": "1"}).status_code == 403
        assert "/edit/" not in client.get(f"{URL}{theirs.pk}/").content.decode()

    def test_other_organisations_asset_is_404(self, client, org, other_org, owner, member):
        foreign_owner = member(other_org, "owner", email="boss@globex.test")
        foreign = make(other_org, foreign_owner, name="Secret")
        client.force_login(owner)
        assert client.get(f"{URL}{foreign.pk}/").status_code == 404
        assert client.get(f"{URL}{foreign.pk}/edit/").status_code == 404
        assert client.post(f"{URL}{foreign.pk}/edit/", form_data(version="1")).status_code == 404
        assert client.post(f"{URL}{foreign.pk}/delete/", {"version": "1"}).status_code == 404
        assert Asset.objects.filter(pk=foreign.pk).exists()


class TestDetail:
    def test_effective_cia_and_dependencies(self, client, org, owner):
        server = make(org, owner, name="Server", confidentiality=Requirement.LOW)
        app = make(
            org,
            owner,
            name="Payroll app",
            confidentiality=Requirement.VERY_HIGH,
            depends_on=[server],
        )
        client.force_login(owner)
        r = client.get(f"{URL}{server.pk}/")
        assert r.status_code == 200
        html = r.content.decode()
        cia = r.context["cia"]
        assert cia[0]["own"] == "Low" and cia[0]["effective"] == "Very high" and cia[0]["raised"]
        assert not cia[1]["raised"]
        assert r.context["raised_by"] == (app.ref,)
        assert 'id="raised-by"' in html and app.ref in html
        assert r.context["dependents"] == [app]
        html = client.get(f"{URL}{app.pk}/").content.decode()
        assert "Server" in html and 'id="raised-by"' not in html

    def test_linked_risks_are_listed(self, client, org, owner):
        from openisms.risks import services as risk_services

        asset = make(org, owner, name="CRM")
        risk_services.risk_create(
            organization=org, actor=owner, title="Data leak from CRM", assets=[asset]
        )
        client.force_login(owner)
        html = client.get(f"{URL}{asset.pk}/").content.decode()
        assert "R-001" in html and "Data leak from CRM" in html


class TestClassification:
    def test_default_scheme_and_add_level(self, client, org, owner):
        client.force_login(owner)
        page = client.get(URL + "classification/").content.decode()
        assert "Use the default scheme" in page
        r = client.post(URL + "classification/default/")
        assert r.status_code == 302
        names = list(
            ClassificationLevel.objects.filter(organization=org).values_list("name", flat=True)
        )
        assert names == ["Public", "Internal", "Confidential", "Restricted"]
        page = client.get(URL + "classification/").content.decode()
        assert "Use the default scheme" not in page and "Restricted" in page
        r = client.post(URL + "classification/add/", {"name": "Secret", "order": "5"})
        assert r.status_code == 302
        r = client.post(URL + "classification/add/", {"name": "secret", "order": "6"})
        assert r.status_code == 422 and "already exists" in r.content.decode()

    def test_classification_is_offered_on_the_asset_form(self, client, org, owner):
        services.classification_ensure_default(organization=org, actor=owner)
        level = ClassificationLevel.objects.get(organization=org, name="Internal")
        client.force_login(owner)
        r = client.post(URL + "new/", form_data(classification=str(level.pk)))
        assert r.status_code == 302
        assert Asset.objects.get(organization=org).classification == level

    def test_viewer_sees_but_cannot_change(self, client, org, viewer):
        client.force_login(viewer)
        page = client.get(URL + "classification/")
        assert page.status_code == 200
        assert "Use the default scheme" not in page.content.decode()
        assert "Add a level" not in page.content.decode()
        assert client.post(URL + "classification/default/").status_code == 403
        r = client.post(URL + "classification/add/", {"name": "X", "order": "1"})
        assert r.status_code == 403
        assert not ClassificationLevel.objects.filter(organization=org).exists()
