from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openisms.accounts import services as account_services
from openisms.catalog.models import Framework, FrameworkAdoption, RequirementNode
from openisms.core.models import AuditEvent

ISO22 = "urn:openisms:framework:iso27001-2022"


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries), response


def test_tree_page_query_count_does_not_depend_on_size(client, org, owner):
    client.force_login(owner)
    small = Framework.objects.get(urn="urn:openisms:framework:nist-csf-2.0")
    big = Framework.objects.get(urn=ISO22)
    n_small, _ = _queries(client, f"/o/acme/frameworks/{small.pk}/")
    n_big, response = _queries(client, f"/o/acme/frameworks/{big.pk}/")
    assert n_small == n_big
    html = response.content.decode()
    assert "A.8.34" in html and "123 assessable" in html


def test_tree_search_and_htmx_partial(client, org, owner):
    client.force_login(owner)
    fw = Framework.objects.get(urn=ISO22)
    r = client.get(f"/o/acme/frameworks/{fw.pk}/?q=cryptograph", HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert body.lstrip().startswith('<div id="tree">')
    assert "A.8.24" in body and "A.5.1 " not in body


def test_requirement_page_shows_mappings_both_ways(client, org, owner):
    client.force_login(owner)
    node = RequirementNode.objects.get(framework__urn=ISO22, ref_id="A.5.1")
    html = client.get(
        f"/o/acme/frameworks/{node.framework_id}/requirements/{node.pk}/"
    ).content.decode()
    assert "mapped from" in html
    assert "A.5.1.1" in html  # from the ISO 27001:2013 mapping set
    assert "GV.PO-01" in html  # from the NIST CSF 2.0 mapping set
    assert node.guidance[:30] in html


def test_owner_upload_is_private_to_the_organisation(client, org, other_org, owner, member):
    outsider = member(other_org, "owner")
    client.force_login(owner)
    upload = SimpleUploadedFile(
        "../../etc/our controls.csv", b"ref_id,name\nOC-1,Our control\n", content_type="text/csv"
    )
    r = client.post("/o/acme/frameworks/import/", {"library_files": [upload], "format": "auto"})
    assert r.status_code == 200, r.content
    fw = Framework.objects.get(organization=org)
    assert fw.urn == "urn:openisms:framework:custom:our-controls"
    assert AuditEvent.objects.filter(organization=org, action="catalog.library_created").exists()
    assert client.get(f"/o/acme/frameworks/{fw.pk}/").status_code == 200
    client.force_login(outsider)
    assert client.get(f"/o/globex/frameworks/{fw.pk}/").status_code == 404
    assert b"our-controls" not in client.get("/o/globex/frameworks/").content


def test_upload_errors_are_shown_and_nothing_written(client, org, owner):
    client.force_login(owner)
    upload = SimpleUploadedFile("bad.csv", b"ref_id,name\n1,a\n1,b\n", content_type="text/csv")
    r = client.post("/o/acme/frameworks/import/", {"library_files": [upload], "format": "auto"})
    assert r.status_code == 422
    assert "bad.csv: row 3: duplicate ref_id" in r.content.decode()
    assert not Framework.objects.filter(organization=org).exists()


def test_adopt_and_drop(client, org, owner):
    client.force_login(owner)
    fw = Framework.objects.get(urn=ISO22)
    client.post(f"/o/acme/frameworks/{fw.pk}/adopt/")
    assert FrameworkAdoption.objects.filter(organization=org, framework=fw).exists()
    client.post(f"/o/acme/frameworks/{fw.pk}/adopt/")
    assert not FrameworkAdoption.objects.filter(organization=org, framework=fw).exists()
    actions = list(AuditEvent.objects.filter(organization=org).values_list("action", flat=True))
    assert "framework.adopt" in actions and "framework.drop" in actions


def test_export_download(client, org, owner):
    client.force_login(owner)
    fw = Framework.objects.get(urn=ISO22)
    r = client.get(f"/o/acme/frameworks/{fw.pk}/export/?format=csv")
    assert r["Content-Disposition"].endswith('.csv"')
    assert r.content.decode().startswith("ref_id,parent,name")
    assert client.get(f"/o/acme/frameworks/{fw.pk}/export/?format=pdf").status_code == 400


class TestApi:
    def setup_token(self, org, user):
        return {
            "HTTP_AUTHORIZATION": "Bearer "
            + account_services.token_create(organization=org, actor=user, name="t").secret
        }

    def test_read_frameworks_nodes_and_mappings(self, client, org, owner):
        h = self.setup_token(org, owner)
        frameworks = client.get("/api/v1/orgs/acme/frameworks/", **h).json()["items"]
        iso = next(f for f in frameworks if f["urn"] == ISO22)
        assert iso["assessable"] == 123 and iso["own"] is False
        nodes = client.get(
            f"/api/v1/orgs/acme/frameworks/{iso['id']}/nodes/?q=A.5.1&page_size=200", **h
        ).json()
        assert "A.5.1" in [n["ref_id"] for n in nodes["items"]]
        a51 = next(n for n in nodes["items"] if n["ref_id"] == "A.5.1")
        detail = client.get(
            f"/api/v1/orgs/acme/frameworks/{iso['id']}/nodes/{a51['id']}/", **h
        ).json()
        assert any(m["source_ref_id"] == "A.5.1.1" for m in detail["mappings"])
        sets = client.get("/api/v1/orgs/acme/mapping-sets/", **h).json()["items"]
        assert {s["mappings"] for s in sets} == {114, 341}

    def test_node_list_query_count_is_constant(self, client, org, owner):
        h = self.setup_token(org, owner)
        client.get("/api/v1/orgs/acme/frameworks/", **h)
        small = Framework.objects.get(urn="urn:openisms:framework:iso27001-2013")
        big = Framework.objects.get(urn=ISO22)
        counts = []
        for fw in (small, big):
            with CaptureQueriesContext(connection) as ctx:
                assert (
                    client.get(
                        f"/api/v1/orgs/acme/frameworks/{fw.pk}/nodes/?page_size=200", **h
                    ).status_code
                    == 200
                )
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1]

    def test_owner_imports_through_the_api(self, client, org, owner, member):
        h = self.setup_token(org, owner)
        upload = SimpleUploadedFile(
            "api set.csv", b"ref_id,name\nZ1,Zed\n", content_type="text/csv"
        )
        r = client.post(
            "/api/v1/orgs/acme/libraries/", {"files": [upload], "dry_run": "false"}, **h
        )
        assert r.status_code == 200, r.content
        assert r.json()["libraries"][0]["frameworks"][0]["status"] == "created"
        bad = SimpleUploadedFile(
            "bad.yaml", b"openisms_library: 1\nurn: [x\n", content_type="application/yaml"
        )
        r = client.post("/api/v1/orgs/acme/libraries/", {"files": [bad]}, **h)
        assert r.status_code == 422
        assert r.json()["error"]["details"][0]["loc"] == ["body", "files"]
        assert "bad.yaml: line 3, column 1: not valid YAML" in r.json()["error"]["message"]


def test_mapping_list_api(client, org, owner):
    from openisms.catalog.models import MappingSet

    h = {
        "HTTP_AUTHORIZATION": "Bearer "
        + account_services.token_create(organization=org, actor=owner, name="t").secret
    }
    ms = MappingSet.objects.get(urn="urn:openisms:mapping:iso27001-2013-to-iso27001-2022")
    r = client.get(f"/api/v1/orgs/acme/mapping-sets/{ms.pk}/mappings/?page_size=200", **h).json()
    assert r["count"] == 114
    first = r["items"][0]
    assert (
        first["source_ref_id"] == "A.5.1.1"
        and first["target_ref_id"] == "A.5.1"
        and first["relationship"] == "subset"
    )
