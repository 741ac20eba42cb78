from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openisms.accounts import services
from openisms.accounts.models import ApiToken, Membership, Organization
from openisms.accounts.roles import ROLE_PERMISSIONS, Role, validate_table
from openisms.core.exceptions import ConflictError
from openisms.core.models import AuditEvent


class TestRoleTable:
    def test_table_is_complete_and_consistent(self):
        assert validate_table() == []
        assert set(ROLE_PERMISSIONS) == set(Role)

    @pytest.mark.parametrize(
        ("role", "perm", "allowed"),
        [
            ("owner", "accounts.manage_members", True),
            ("manager", "accounts.manage_members", False),
            ("auditor", "core.view_auditlog", True),
            ("viewer", "core.view_auditlog", False),
            ("contributor", "core.view_organization", True),
        ],
    )
    def test_backend_answers_from_the_role(self, org, member, role, perm, allowed):
        user = member(org, role)
        assert user.has_perm(perm, org) is allowed

    def test_no_permission_in_another_organisation(self, org, other_org, owner):
        assert owner.has_perm("core.view_organization", org)
        assert not owner.has_perm("core.view_organization", other_org)
        assert not owner.has_perm("core.view_organization")  # no object, no organisation

    def test_expired_auditor_access_grants_nothing(self, org, member):
        auditor = member(org, "auditor")
        Membership.objects.filter(user=auditor).update(
            access_expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
        assert not auditor.has_perm("core.view_organization", org)


class TestOrganizationUpdate:
    def test_update_bumps_version_and_audits_field_changes(self, org, owner):
        services.organization_update(organization=org, actor=owner, version=1, name="Acme Group")
        org.refresh_from_db()
        assert (org.name, org.version) == ("Acme Group", 2)
        event = AuditEvent.objects.filter(organization=org, action="update").get()
        assert event.changes == {"name": ["Acme Ltd", "Acme Group"]}
        assert event.actor_id == owner.pk

    def test_stale_edit_is_refused_and_changes_nothing(self, org, owner):
        first = Organization.objects.get(pk=org.pk)
        second = Organization.objects.get(pk=org.pk)
        services.organization_update(organization=first, actor=owner, version=1, name="First")
        with pytest.raises(ConflictError) as exc:
            services.organization_update(organization=second, actor=owner, version=1, name="Second")
        assert exc.value.current == 2
        assert "changed by someone else" in exc.value.message
        org.refresh_from_db()
        assert org.name == "First"
        assert AuditEvent.objects.filter(organization=org, action="update").count() == 1

    def test_only_owner_may_change(self, org, member):
        manager = member(org, "manager")
        with pytest.raises(PermissionDenied):
            services.organization_update(organization=org, actor=manager, version=1, name="X")

    def test_invalid_value_is_refused(self, org, owner):
        with pytest.raises(ValidationError) as exc:
            services.organization_update(organization=org, actor=owner, version=1, name="")
        assert "name" in exc.value.message_dict


class TestOrganizationCreate:
    def test_duplicate_slug(self, org):
        with pytest.raises(ValidationError, match="already exists"):
            services.organization_create(slug="acme", name="Other")

    def test_bad_slug(self, db):
        with pytest.raises(ValidationError) as exc:
            services.organization_create(slug="Not A Slug", name="X")
        assert "slug" in exc.value.message_dict

    def test_creates_owner_membership_and_audit(self, db):
        from openisms.accounts.tests.factories import UserFactory

        user = UserFactory()
        org = services.organization_create(slug="new", name="New", owner=user)
        assert Membership.objects.get(organization=org).role == Role.OWNER
        assert list(
            AuditEvent.objects.filter(organization=org).values_list("action", flat=True)
        ) == ["create", "membership.add"]


class TestMemberships:
    def test_role_change_is_audited(self, org, owner, member):
        viewer = member(org, "viewer")
        m = Membership.objects.get(user=viewer)
        services.membership_change_role(membership=m, actor=owner, role="manager", version=1)
        event = AuditEvent.objects.get(action="membership.role_change")
        assert event.changes == {"role": ["viewer", "manager"]}
        assert viewer.has_perm("core.view_auditlog", org)

    def test_last_owner_cannot_be_demoted_or_removed(self, org, owner):
        m = Membership.objects.get(user=owner)
        with pytest.raises(ValidationError, match="at least one current owner"):
            services.membership_change_role(membership=m, actor=owner, role="viewer", version=1)
        with pytest.raises(ValidationError, match="at least one current owner"):
            services.membership_remove(membership=m, actor=owner, version=1)
        with pytest.raises(ValidationError, match="at least one current owner"):
            services.membership_change_role(
                membership=m,
                actor=owner,
                role="owner",
                version=1,
                access_expires_at=timezone.now() - dt.timedelta(days=1),
            )

    def test_an_expired_owner_does_not_count(self, org, owner, member):
        other = member(org, "owner")
        Membership.objects.filter(user=other).update(
            access_expires_at=timezone.now() - dt.timedelta(days=1)
        )
        m = Membership.objects.get(user=owner)
        with pytest.raises(ValidationError, match="at least one current owner"):
            services.membership_change_role(membership=m, actor=owner, role="viewer", version=1)

    def test_role_change_keeps_expiry_unless_given(self, org, owner, member):
        auditor = member(org, "auditor")
        until = timezone.now() + dt.timedelta(days=3)
        Membership.objects.filter(user=auditor).update(access_expires_at=until)
        m = Membership.objects.get(user=auditor)
        services.membership_change_role(membership=m, actor=owner, role="viewer", version=1)
        m.refresh_from_db()
        assert m.access_expires_at == until

    def test_unknown_role(self, org, owner, member):
        m = Membership.objects.get(user=member(org, "viewer"))
        with pytest.raises(ValidationError, match="Unknown role"):
            services.membership_change_role(membership=m, actor=owner, role="boss", version=1)

    def test_remove_revokes_their_tokens(self, org, owner, member):
        viewer = member(org, "viewer")
        new = services.token_create(organization=org, actor=viewer, name="ci")
        services.membership_remove(
            membership=Membership.objects.get(user=viewer), actor=owner, version=1
        )
        new.token.refresh_from_db()
        assert new.token.revoked_at is not None
        assert AuditEvent.objects.filter(
            action="token.revoke", object_id=str(new.token.pk)
        ).exists()
        assert services.token_authenticate(new.secret) is None

    def test_invite_creates_account_without_password(self, org, owner):
        m = services.member_invite(
            organization=org,
            actor=owner,
            email="New.Person@Example.test",
            role="auditor",
            access_expires_at=timezone.now() + dt.timedelta(days=30),
        )
        assert m.user.email == "new.person@example.test"
        assert not m.user.has_usable_password()


class TestTokens:
    def test_secret_is_shown_once_and_stored_hashed(self, org, owner):
        new = services.token_create(organization=org, actor=owner, name="ci")
        stored = ApiToken.objects.get()
        assert new.secret.startswith("oism_")
        assert new.secret not in stored.key_hash
        assert stored.key_hash == services.hash_token(new.secret)
        assert services.token_authenticate(new.secret).pk == stored.pk

    def test_revoked_expired_and_unknown_tokens_fail(self, org, owner):
        revoked = services.token_create(organization=org, actor=owner, name="a")
        services.token_revoke(token=revoked.token, actor=owner)
        expired = services.token_create(
            organization=org,
            actor=owner,
            name="b",
            expires_at=timezone.now() - dt.timedelta(seconds=1),
        )
        assert services.token_authenticate(revoked.secret) is None
        assert services.token_authenticate(expired.secret) is None
        assert services.token_authenticate("oism_00000000_nonsense") is None
        assert services.token_authenticate("") is None

    def test_token_use_is_audited_at_most_once_per_interval(self, org, owner, settings):
        new = services.token_create(organization=org, actor=owner, name="ci")
        for _ in range(3):
            services.token_authenticate(new.secret)
        assert AuditEvent.objects.filter(action="token.use").count() == 1
        settings.OPENISMS_TOKEN_USE_AUDIT_INTERVAL = 0
        services.token_authenticate(new.secret)
        assert AuditEvent.objects.filter(action="token.use").count() == 2

    def test_org_requiring_mfa_refuses_tokens_without_mfa(self, org, owner):
        Organization.objects.filter(pk=org.pk).update(require_mfa=True)
        org.refresh_from_db()
        with pytest.raises(ValidationError, match="two-factor"):
            services.token_create(organization=org, actor=owner, name="ci")

    def test_other_users_token_needs_member_management(self, org, owner, member):
        viewer = member(org, "viewer")
        mine = services.token_create(organization=org, actor=owner, name="o")
        with pytest.raises(PermissionDenied):
            services.token_revoke(token=mine.token, actor=viewer)
        theirs = services.token_create(organization=org, actor=viewer, name="v")
        services.token_revoke(token=theirs.token, actor=owner)  # owners may revoke anyone's
        theirs.token.refresh_from_db()
        assert theirs.token.revoked_at is not None


class TestAuthEvents:
    def test_login_events_go_to_each_organisation(self, org, other_org, owner, client):
        from openisms.accounts.tests.factories import MembershipFactory

        MembershipFactory(organization=other_org, user=owner, role="viewer")
        client.post("/accounts/login/", {"login": owner.email, "password": "wrong password!"})
        client.post(
            "/accounts/login/", {"login": owner.email, "password": "correct horse battery staple"}
        )
        for o in (org, other_org):
            actions = list(
                AuditEvent.objects.filter(organization=o).values_list("action", "actor_label")
            )
            assert ("login.failed", "anonymous") in actions
            assert ("login", owner.email) in actions

    def test_failed_login_for_unknown_account_goes_to_global_chain(self, db, client):
        client.post("/accounts/login/", {"login": "nobody@x.test", "password": "whatever-123456"})
        event = AuditEvent.objects.get(action="login.failed")
        assert event.organization_id is None
        assert event.object_repr == "nobody@x.test"
