"""Issues, parties, obligations and the scope: references, ownership, links checked against
the organisation, stale edits refused, the scope's approval rules and immutable versions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openisms.assets.services import asset_create
from openisms.core.exceptions import ConflictError
from openisms.core.models import AuditEvent
from openisms.governance import selectors, services
from openisms.governance.models import Obligation, ScopeVersion
from openisms.governance.tests.helpers import (
    annex,
    make_control,
    make_issue,
    make_obligation,
    make_party,
)

TODAY = timezone.localdate()


def test_refs_owner_and_overdue_review(org, owner):
    first = make_issue(org, owner, review_date=TODAY - dt.timedelta(days=1))
    second = make_issue(org, owner, title="Ransomware", category="technological")
    assert (first.ref, second.ref) == ("ISS-001", "ISS-002")
    assert first.owner == owner
    assert first.review_overdue and not second.review_overdue
    overdue = selectors.issue_list(organization=org, filters=selectors.IssueFilter(overdue=True))
    assert [i.ref for i in overdue] == ["ISS-001"]
    party = make_party(org, owner)
    assert party.ref == "IP-001"
    assert make_obligation(org, owner, party=party).ref == "OB-001"
    assert make_issue(org, owner, ref="ISS-010").ref == "ISS-010"
    assert make_issue(org, owner).ref == "ISS-011"  # never collides with a given ref


def test_unknown_category_names_the_field(org, owner):
    with pytest.raises(ValidationError) as exc:
        make_issue(org, owner, category="astrology")
    assert "category" in exc.value.message_dict


def test_stale_edit_is_refused_and_audited_edit_bumps_version(org, owner):
    issue = make_issue(org, owner)
    services.issue_update(issue=issue, actor=owner, version=1, effect="Drives the programme")
    assert issue.version == 2
    with pytest.raises(ConflictError):
        services.issue_update(issue=issue, actor=owner, version=1, effect="Other")
    assert (
        AuditEvent.objects.filter(
            object_type="governance.contextissue", object_id=str(issue.pk), action="update"
        ).count()
        == 1
    )


def test_contributor_acts_on_own_records_only(org, owner, member):
    carl = member(org, "contributor", email="carl@acme.test")
    mine = make_issue(org, carl)
    assert mine.owner == carl
    services.issue_update(issue=mine, actor=carl, version=1, title="Mine")
    theirs = make_issue(org, owner)
    with pytest.raises(PermissionDenied):
        services.issue_update(issue=theirs, actor=carl, version=1, title="Taken")
    with pytest.raises(PermissionDenied):
        make_issue(org, carl, owner=owner)
    with pytest.raises(PermissionDenied):
        services.issue_update(issue=mine, actor=carl, version=2, owner=owner)
    viewer = member(org, "viewer", email="vic@acme.test")
    with pytest.raises(PermissionDenied):
        make_issue(org, viewer)


def test_obligation_links_must_belong_to_the_organisation(org, other_org, owner, member):
    other_owner = member(other_org, "owner", email="o@globex.test")
    foreign_control = make_control(other_org, other_owner)
    foreign_party = make_party(other_org, other_owner)
    with pytest.raises(ValidationError) as exc:
        make_obligation(org, owner, controls=[foreign_control])
    assert "controls" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_obligation(org, owner, party=foreign_party)
    assert "party" in exc.value.message_dict
    assert not Obligation.objects.filter(organization=org).exists()  # nothing half written
    control = make_control(org, owner, ("A.8.13",))
    ob = make_obligation(
        org, owner, controls=[control], requirements=[annex("A.5.34")], kind="contractual"
    )
    assert list(ob.controls.all()) == [control]
    assert [r.ref_id for r in ob.requirements.all()] == ["A.5.34"]
    services.obligation_update(obligation=ob, actor=owner, version=ob.version, controls=[])
    assert not ob.controls.exists()


def test_party_with_obligations_cannot_be_deleted(org, owner):
    party = make_party(org, owner)
    ob = make_obligation(org, owner, party=party)
    with pytest.raises(ValidationError) as exc:
        services.party_delete(party=party, actor=owner, version=1)
    assert "OB-001" in str(exc.value)
    services.obligation_delete(obligation=ob, actor=owner, version=ob.version)
    services.party_delete(party=party, actor=owner, version=1)
    assert not selectors.party_list(organization=org).exists()


def test_obligation_delete_from_stale_version_keeps_links(org, owner):
    control = make_control(org, owner)
    ob = make_obligation(org, owner, controls=[control])
    with pytest.raises(ConflictError):
        services.obligation_delete(obligation=ob, actor=owner, version=ob.version + 5)
    assert list(ob.controls.all()) == [control]


def test_scope_approval_freezes_an_immutable_version(org, owner, member):
    site = asset_create(organization=org, actor=owner, name="Head office", type="site")
    with pytest.raises(ValidationError) as exc:  # nothing written yet
        scope = services.scope_save(organization=org, actor=owner, version=1, text="  ")
        services.scope_approve(scope=scope, actor=owner)
    assert "text" in exc.value.message_dict
    scope = services.scope_save(
        organization=org, actor=owner, version=2, text="Design and manufacture", assets=[site]
    )
    v1 = services.scope_approve(scope=scope, actor=owner, comment="MD")
    assert v1.number == 1 and v1.approved_by == owner
    assert v1.content["assets"] == [{"ref": site.ref, "name": "Head office", "type": "site"}]
    with pytest.raises(ValidationError, match="Nothing changed"):
        services.scope_approve(scope=scope, actor=owner)
    with pytest.raises(ValueError):
        v1.comment = "edited"
        v1.save()
    with pytest.raises(ValueError):
        v1.delete()
    services.scope_update(scope=scope, actor=owner, version=scope.version, assets=[])
    manager = member(org, "manager", email="m@acme.test")
    v2 = services.scope_approve(scope=scope, actor=manager)
    assert v2.number == 2
    diff = selectors.compare(v1.content, v2.content)
    assert diff["removed"][0]["ref"] == site.ref and not diff["fields"]
    contributor = member(org, "contributor", email="c@acme.test")
    services.scope_update(scope=scope, actor=contributor, version=scope.version, text="Draft")
    with pytest.raises(PermissionDenied):
        services.scope_approve(scope=scope, actor=contributor)
    assert ScopeVersion.objects.filter(organization=org).count() == 2
    assert (
        AuditEvent.objects.filter(object_type="governance.scopestatement", action="approve").count()
        == 2
    )


def test_scope_stale_edit_refused_and_foreign_assets_refused(org, other_org, owner, member):
    scope = services.scope_save(organization=org, actor=owner, version=1, text="A")
    with pytest.raises(ConflictError):
        services.scope_save(organization=org, actor=owner, version=1, text="B")
    other_owner = member(other_org, "owner", email="o@globex.test")
    foreign = asset_create(organization=other_org, actor=other_owner, name="X", type="site")
    with pytest.raises(ValidationError) as exc:
        services.scope_update(scope=scope, actor=owner, version=scope.version, assets=[foreign])
    assert "assets" in exc.value.message_dict
    scope.refresh_from_db()
    assert scope.text == "A" and not scope.assets.exists()
