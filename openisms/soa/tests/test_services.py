from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openisms.catalog.models import Framework, RequirementNode
from openisms.controls import services as control_services
from openisms.controls.models import Evidence
from openisms.core.exceptions import ConflictError
from openisms.core.models import AuditEvent
from openisms.risks import services as risk_services
from openisms.soa import selectors, services
from openisms.soa.models import SoaEntry, SoaVersion

SENTENCE = "We run no software development at all, so this control has nothing to protect."


@pytest.fixture
def iso(db):
    return Framework.objects.get(urn=selectors.ISO27001_2022)


@pytest.fixture
def soa(org, owner, iso):
    return services.soa_create(organization=org, actor=owner, framework=iso)


def node(ref):
    return RequirementNode.objects.get(framework__urn=selectors.ISO27001_2022, ref_id=ref)


def entry(soa, ref):
    return SoaEntry.objects.get(soa=soa, requirement__ref_id=ref)


def decide_all(soa, actor):
    """Every row applicable for a business reason (what a first statement often starts with)."""
    SoaEntry.objects.filter(soa=soa).update(
        applicable=True, business_requirement=True, business_reference="Customer trust"
    )


class TestCreate:
    def test_one_undecided_row_per_annex_a_control(self, soa):
        rows = selectors.draft_rows(soa)
        assert len(rows) == 93
        assert rows[0]["ref_id"] == "A.5.1" and rows[-1]["ref_id"] == "A.8.34"
        assert rows[0]["theme"] == "A.5 Organizational controls"
        assert all(r["applicable"] is None for r in rows)
        assert {f.code for f in rows[0]["findings"]} == {"undecided"}

    def test_second_statement_for_the_framework_is_refused(self, org, owner, iso, soa):
        with pytest.raises(ValidationError, match="exists"):
            services.soa_create(organization=org, actor=owner, framework=iso)

    def test_contributor_cannot_create(self, org, member, iso):
        user = member(org, "contributor")
        with pytest.raises(PermissionDenied):
            services.soa_create(organization=org, actor=user, framework=iso)


class TestConsistencyRules:
    def test_exclusion_needs_a_sentence(self, soa, owner):
        e = entry(soa, "A.8.25")
        with pytest.raises(ValidationError) as exc:
            services.entry_update(
                entry=e, actor=owner, version=e.version, applicable=False, justification="n/a"
            )
        assert "justification" in exc.value.message_dict
        e.refresh_from_db()
        assert e.applicable is None and e.version == 1  # nothing written
        services.entry_update(
            entry=e, actor=owner, version=e.version, applicable=False, justification=SENTENCE
        )
        assert entry(soa, "A.8.25").applicable is False

    def test_applicable_needs_a_reason(self, soa, owner):
        e = entry(soa, "A.5.1")
        with pytest.raises(ValidationError) as exc:
            services.entry_update(entry=e, actor=owner, version=e.version, applicable=True)
        assert "reason for inclusion" in str(exc.value.message_dict["applicable"])
        with pytest.raises(ValidationError) as exc:
            services.entry_update(
                entry=e, actor=owner, version=e.version, applicable=True, legal_regulatory=True
            )
        assert "legal_reference" in exc.value.message_dict
        services.entry_update(
            entry=e,
            actor=owner,
            version=e.version,
            applicable=True,
            legal_regulatory=True,
            legal_reference="GDPR art. 32",
        )
        row = next(r for r in selectors.draft_rows(soa) if r["ref_id"] == "A.5.1")
        assert row["reasons"] == ["legal_regulatory"]
        assert [f.code for f in row["findings"]] == ["no_control"]

    def test_control_selected_by_a_risk_cannot_be_excluded(self, org, owner, soa):
        risk = risk_services.risk_create(organization=org, actor=owner, title="Code tampering")
        control = control_services.control_create(
            organization=org, actor=owner, name="Secure SDLC", requirements=[node("A.8.25")]
        )
        control_services.risk_controls_set(risk=risk, actor=owner, controls=[control])
        e = entry(soa, "A.8.25")
        with pytest.raises(ValidationError) as exc:
            services.entry_update(
                entry=e, actor=owner, version=e.version, applicable=False, justification=SENTENCE
            )
        assert risk.ref in str(exc.value.message_dict["applicable"])
        # Selection by a risk is a reason by itself.
        services.entry_update(entry=e, actor=owner, version=e.version, applicable=True)
        row = next(r for r in selectors.draft_rows(soa) if r["ref_id"] == "A.8.25")
        assert row["reasons"] == ["risk_treatment"] and row["risk_refs"] == [risk.ref]
        assert row["controls"] == [f"{control.ref} Secure SDLC"]
        assert row["implementation_status"] == "not_started"
        assert row["findings"] == []

    def test_direct_annex_a_selection_and_closed_risks(self, org, owner, soa):
        risk = risk_services.risk_create(organization=org, actor=owner, title="Theft")
        risk.annex_a_controls.set([node("A.7.1")])
        rows = {r["ref_id"]: r for r in selectors.draft_rows(soa)}
        assert rows["A.7.1"]["risk_refs"] == [risk.ref]
        type(risk).objects.filter(pk=risk.pk).update(status="closed")
        rows = {r["ref_id"]: r for r in selectors.draft_rows(soa)}
        assert rows["A.7.1"]["risk_refs"] == []

    def test_two_managers_editing_one_row(self, soa, owner, org, member):
        manager = member(org, "manager")
        e1, e2 = entry(soa, "A.5.2"), entry(soa, "A.5.2")
        services.entry_update(
            entry=e1, actor=owner, version=1, applicable=True, business_requirement=True
        )
        with pytest.raises(ConflictError):
            services.entry_update(
                entry=e2,
                actor=manager,
                version=1,
                applicable=False,
                justification=SENTENCE,
            )
        assert entry(soa, "A.5.2").applicable is True


class TestDerivedColumns:
    def test_status_and_evidence_counts(self, org, owner, soa):
        today = timezone.localdate()
        a = control_services.control_create(
            organization=org,
            actor=owner,
            name="Backups",
            status="implemented",
            requirements=[node("A.8.13")],
        )
        control_services.control_create(
            organization=org,
            actor=owner,
            name="Restore tests",
            status="planned",
            requirements=[node("A.8.13")],
        )
        for i, until in enumerate([today - dt.timedelta(days=1), today, None]):
            ev = Evidence.objects.create(
                organization=org, ref=f"E-{i}", title="x", kind="note", valid_until=until
            )
            ev.controls.add(a)
            ev.requirements.add(node("A.8.13"))  # linked both ways: counted once
        row = next(r for r in selectors.draft_rows(soa) if r["ref_id"] == "A.8.13")
        assert row["implementation_status"] == "partially_implemented"
        assert row["evidence"] == ["E-0", "E-1", "E-2"]
        assert row["evidence_counts"] == {"total": 3, "stale": 1, "expiring": 1, "fresh": 1}

    def test_derived_status(self):
        assert selectors.derived_status([]) == ""
        assert selectors.derived_status(["implemented", "implemented"]) == "implemented"
        assert selectors.derived_status(["planned", "not_started"]) == "planned"
        assert selectors.derived_status(["not_started"]) == "not_started"

    def test_page_rows_need_a_fixed_number_of_queries(self, org, owner, soa):
        def count():
            with CaptureQueriesContext(connection) as ctx:
                rows = selectors.draft_rows(soa, full=False)
            return len(ctx.captured_queries), {r["ref_id"]: r for r in rows}

        cache.clear()
        cold, _ = count()
        warm, _ = count()
        for i in range(12):
            r = risk_services.risk_create(organization=org, actor=owner, title=f"Risk {i}")
            r.annex_a_controls.set([node("A.5.1"), node("A.8.8")])
        cache.clear()
        assert count()[0] == cold
        assert count()[0] == warm < cold
        rows = count()[1]
        assert rows["A.5.1"]["risk_count"] == 12
        assert len(rows["A.5.1"]["risk_refs"]) == selectors.PAGE_REFS

    def test_page_cache_follows_every_audited_write(self, org, owner, soa):
        def row(ref):
            return next(r for r in selectors.draft_rows(soa, full=False) if r["ref_id"] == ref)

        assert row("A.7.1")["risk_count"] == 0  # cached now
        risk = risk_services.risk_create(organization=org, actor=owner, title="Theft")
        risk_services.risk_set_treatment(
            risk=risk,
            actor=owner,
            version=risk.version,
            option="modify",
            requirements=[node("A.7.1")],
        )
        assert row("A.7.1")["risk_refs"] == [risk.ref]
        risk_services.risk_transition(risk=risk, actor=owner, to="closed", version=risk.version)
        assert row("A.7.1")["risk_count"] == 0


class TestApproval:
    def test_inconsistent_statement_is_refused(self, soa, owner):
        with pytest.raises(ValidationError, match="not consistent \\(93 problems\\)"):
            services.soa_approve(soa=soa, actor=owner)
        assert not SoaVersion.objects.exists()

    def test_approve_freezes_a_version_and_next_edit_is_a_draft(self, org, soa, owner):
        decide_all(soa, owner)
        v1 = services.soa_approve(soa=soa, actor=owner, comment="First")
        assert (
            v1.number == 1
            and len(v1.rows) == 93
            and v1.approver_name == f"{owner.get_full_name()} <{owner.email}>"
        )
        assert AuditEvent.objects.filter(action="approve", object_id=str(soa.pk)).count() == 1
        with pytest.raises(ValidationError, match="Nothing changed since version 1"):
            services.soa_approve(soa=soa, actor=owner)
        e = entry(soa, "A.8.25")
        services.entry_update(
            entry=e, actor=owner, version=e.version, applicable=False, justification=SENTENCE
        )
        v2 = services.soa_approve(soa=soa, actor=owner)
        assert v2.number == 2
        diff = selectors.compare(v1.rows, v2.rows)
        assert [c.ref_id for c in diff.changed] == ["A.8.25"]
        assert set(diff.changed[0].changes) == {
            "applicable",
            "reasons",
            "business_reference",
            "justification",
        }
        v1.refresh_from_db()
        assert v1.rows[next(i for i, r in enumerate(v1.rows) if r["ref_id"] == "A.8.25")][
            "applicable"
        ]
        with pytest.raises(ValueError, match="immutable"):
            v1.save()

    def test_only_owner_or_manager_approves(self, org, member, soa, owner):
        decide_all(soa, owner)
        for role in ("contributor", "auditor", "viewer"):
            with pytest.raises(PermissionDenied):
                services.soa_approve(soa=soa, actor=member(org, role))
        assert services.soa_approve(soa=soa, actor=member(org, "manager")).number == 1
