"""Obligations (governance) in the Statement of Applicability: a legal or regulatory obligation
driving a requirement (directly or through an implementing control) makes its
``legal_regulatory`` reason hold, a contractual one ``contractual``; the row lists them; an
applicable row needs no other reason; the manual ticks still work; a fixed number of
queries whatever the number of obligations."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openisms.catalog.models import Framework, RequirementNode
from openisms.controls import services as control_services
from openisms.governance import services as governance
from openisms.soa import selectors, services
from openisms.soa.models import SoaEntry


@pytest.fixture
def soa(org, owner):
    iso = Framework.objects.get(urn=selectors.ISO27001_2022)
    return services.soa_create(organization=org, actor=owner, framework=iso)


def node(ref):
    return RequirementNode.objects.get(framework__urn=selectors.ISO27001_2022, ref_id=ref)


def entry(soa, ref):
    return SoaEntry.objects.get(soa=soa, requirement__ref_id=ref)


def rows(soa):
    return {r["ref_id"]: r for r in selectors.draft_rows(soa)}


def test_obligations_make_reasons_hold(org, owner, soa):
    governance.obligation_create(
        organization=org, actor=owner, title="GDPR security", kind="legal",
        requirements=[node("A.5.34")],
    )  # fmt: skip
    control = control_services.control_create(
        organization=org, actor=owner, name="Backups", requirements=[node("A.8.13")]
    )
    governance.obligation_create(
        organization=org, actor=owner, title="Insurer conditions", kind="contractual",
        controls=[control],
    )  # fmt: skip
    governance.obligation_create(
        organization=org, actor=owner, title="NIS2 reporting", kind="regulatory",
        requirements=[node("A.8.13")], addressed_by_isms=False,
    )  # fmt: skip
    governance.obligation_create(
        organization=org, actor=owner, title="Good practice", kind="other",
        requirements=[node("A.5.1")],
    )  # fmt: skip
    by_ref = rows(soa)
    assert by_ref["A.5.34"]["obligations"] == ["OB-001 GDPR security (legal)"]
    assert "legal_regulatory" in by_ref["A.5.34"]["reasons"]
    assert by_ref["A.8.13"]["obligations"] == ["OB-002 Insurer conditions (contractual)"]
    assert by_ref["A.8.13"]["reasons"] == ["contractual"]  # not addressed by the ISMS: ignored
    assert by_ref["A.5.1"]["obligations"] == ["OB-004 Good practice (other)"]
    assert by_ref["A.5.1"]["reasons"] == []  # "other" gives no reason
    assert by_ref["A.5.2"]["obligations"] == [] and by_ref["A.5.2"]["reasons"] == []
    # An applicable row driven by an obligation needs no other reason.
    e = entry(soa, "A.5.34")
    services.entry_update(entry=e, actor=owner, version=e.version, applicable=True)
    assert not [f for f in rows(soa)["A.5.34"]["findings"] if f.severity == "error"]
    e = entry(soa, "A.5.1")
    with pytest.raises(ValidationError) as exc:
        services.entry_update(entry=e, actor=owner, version=e.version, applicable=True)
    assert "applicable" in exc.value.message_dict
    # The manual tick with its free reference still works.
    services.entry_update(
        entry=e, actor=owner, version=e.version, applicable=True, legal_regulatory=True,
        legal_reference="Machinery regulation",
    )  # fmt: skip
    row = rows(soa)["A.5.1"]
    assert (
        row["reasons"] == ["legal_regulatory"] and row["legal_reference"] == "Machinery regulation"
    )


def test_other_organisations_obligations_do_not_count(org, owner, soa, other_org, member):
    other_owner = member(other_org, "owner", email="o@globex.test")
    governance.obligation_create(
        organization=other_org, actor=other_owner, title="Theirs", kind="legal",
        requirements=[node("A.5.34")],
    )  # fmt: skip
    assert rows(soa)["A.5.34"]["obligations"] == []
    assert services.obligation_reasons(soa, node("A.5.34").pk) == []


def test_approved_version_freezes_obligations_and_compare_tolerates_old_versions(org, owner, soa):
    SoaEntry.objects.filter(soa=soa).update(applicable=True, business_requirement=True)
    governance.obligation_create(
        organization=org, actor=owner, title="GDPR", kind="legal", requirements=[node("A.5.34")]
    )
    version = services.soa_approve(soa=soa, actor=owner)
    frozen = {r["ref_id"]: r for r in version.rows}
    assert frozen["A.5.34"]["obligations"] == ["OB-001 GDPR (legal)"]
    old = [{k: v for k, v in r.items() if k != "obligations"} for r in version.rows]
    diff = selectors.compare(old, selectors.frozen(selectors.draft_rows(soa)))
    assert [c.ref_id for c in diff.changed] == ["A.5.34"]
    assert diff.changed[0].changes["obligations"] == ([], ["OB-001 GDPR (legal)"])


def test_page_shows_the_obligations_column(client, org, owner, soa):
    governance.obligation_create(
        organization=org, actor=owner, title="GDPR", kind="legal", requirements=[node("A.5.34")]
    )
    client.force_login(owner)
    page = client.get(f"/o/acme/soa/{soa.pk}/").content.decode()
    assert "OB-001 GDPR (legal)" in page


def test_a_fixed_number_of_queries(org, owner, soa):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            selectors.draft_rows(soa)
        return len(ctx.captured_queries)

    governance.obligation_create(
        organization=org, actor=owner, title="One", kind="legal", requirements=[node("A.5.34")]
    )
    few = count()
    control = control_services.control_create(
        organization=org, actor=owner, name="C", requirements=[node("A.8.13"), node("A.5.1")]
    )
    for i in range(15):
        governance.obligation_create(
            organization=org, actor=owner, title=f"Ob {i}", kind="contractual",
            controls=[control], requirements=[node("A.5.34"), node("A.5.2")],
        )  # fmt: skip
    assert count() == few
    assert len(rows(soa)["A.5.34"]["obligations"]) == 16


def test_exports_carry_the_obligations(org, owner, soa):
    import csv
    import io

    from openisms.soa import exports

    ob = governance.obligation_create(
        organization=org, actor=owner, title="GDPR security", kind="legal",
        requirements=[node("A.5.34")],
    )  # fmt: skip
    doc = exports.soa_document(soa, draft=True)
    table = list(csv.DictReader(io.StringIO(exports.render(doc, "csv").decode("utf-8-sig"))))
    row = next(r for r in table if r["ref_id"] == "A.5.34")
    assert row["obligations"] == f"{ob.ref} GDPR security (legal)"
    assert row["legal_regulatory"].lower() in ("true", "yes", "1")
    shown = next(r for r in exports._display_rows(doc) if r["ref_id"] == "A.5.34")
    assert any(f"{ob.ref} GDPR security (legal)" in t for t in shown["reason_texts"])
