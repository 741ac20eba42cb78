"""The access window of a membership ("access from" … "access until"): invited auditors get
access for a period only; before and after it every organisation path answers 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openisms.accounts import services
from openisms.accounts.models import Membership
from openisms.accounts.tests.factories import MembershipFactory, UserFactory
from openisms.core.gate import current_members, organizations_for

DAY = dt.timedelta(days=1)


def _auditor(org, *, starts=None, expires=None):
    user = UserFactory(email="auditor@audit.test")
    MembershipFactory(
        organization=org,
        user=user,
        role="auditor",
        access_starts_at=starts,
        access_expires_at=expires,
    )
    return user


class TestService:
    def test_auditor_invitation_needs_an_end_in_the_future(self, org, owner):
        with pytest.raises(ValidationError) as exc:
            services.member_invite(organization=org, actor=owner, email="a@x.test", role="auditor")
        assert "access_expires_at" in exc.value.error_dict
        with pytest.raises(ValidationError) as exc:
            services.member_invite(
                organization=org,
                actor=owner,
                email="a@x.test",
                role="auditor",
                access_expires_at=timezone.now() - DAY,
            )
        assert "access_expires_at" in exc.value.error_dict
        assert not Membership.objects.filter(user__email="a@x.test").exists()

    def test_from_must_be_before_until(self, org, owner):
        now = timezone.now()
        with pytest.raises(ValidationError) as exc:
            services.member_invite(
                organization=org,
                actor=owner,
                email="a@x.test",
                role="auditor",
                access_starts_at=now + 3 * DAY,
                access_expires_at=now + 2 * DAY,
            )
        assert "access_starts_at" in exc.value.error_dict
        # Nothing half-written: no account was created either.
        assert not Membership.objects.filter(user__email="a@x.test").exists()

    def test_window_is_stored_and_audited(self, org, owner):
        now = timezone.now()
        m = services.member_invite(
            organization=org,
            actor=owner,
            email="a@x.test",
            role="auditor",
            access_starts_at=now + DAY,
            access_expires_at=now + 5 * DAY,
        )
        assert m.access_state() == "pending"
        assert m.access_state(now + 2 * DAY) == "current"
        assert m.access_state(now + 6 * DAY) == "expired"

    def test_other_roles_need_no_window(self, org, owner):
        m = services.member_invite(organization=org, actor=owner, email="v@x.test", role="viewer")
        assert m.access_state() == "current"

    def test_change_keeps_or_sets_the_start(self, org, owner):
        now = timezone.now()
        target = MembershipFactory(organization=org, role="auditor", access_expires_at=now + DAY)
        services.membership_change_role(
            membership=target,
            actor=owner,
            role="auditor",
            version=1,
            access_starts_at=now + 2 * DAY,
            access_expires_at=now + 3 * DAY,
        )
        target.refresh_from_db()
        assert target.access_starts_at == now + 2 * DAY
        services.membership_change_role(membership=target, actor=owner, role="auditor", version=2)
        target.refresh_from_db()
        assert target.access_starts_at == now + 2 * DAY  # unchanged when not sent
        with pytest.raises(ValidationError):
            services.membership_change_role(
                membership=target,
                actor=owner,
                role="auditor",
                version=3,
                access_starts_at=now + 4 * DAY,
            )

    def test_an_owner_not_yet_active_is_not_a_current_owner(self, org, owner):
        me = Membership.objects.get(user=owner)
        with pytest.raises(ValidationError, match="current owner"):
            services.membership_change_role(
                membership=me,
                actor=owner,
                role="owner",
                version=1,
                access_starts_at=timezone.now() + DAY,
            )


class TestGate:
    @pytest.mark.parametrize(
        ("starts", "expires", "current"),
        [
            (DAY, 2 * DAY, False),  # not yet
            (-DAY, DAY, True),  # inside
            (None, DAY, True),
            (-2 * DAY, -DAY, False),  # over
        ],
    )
    def test_window(self, org, starts, expires, current):
        now = timezone.now()
        user = _auditor(
            org,
            starts=now + starts if starts is not None else None,
            expires=now + expires,
        )
        assert user.has_perm("core.view_organization", org) is current
        assert organizations_for(user).filter(pk=org.pk).exists() is current
        assert current_members(org).filter(user=user).exists() is current


class TestRequests:
    """Before the window, inside it, after it: the organisation's pages and API."""

    PAGES = ["/o/acme/", "/o/acme/members/", "/o/acme/audit/", "/o/acme/evidence/"]
    API = ["/api/v1/orgs/acme/", "/api/v1/orgs/acme/members/", "/api/v1/orgs/acme/evidence/"]

    def _statuses(self, client, paths):
        return {client.get(p).status_code for p in paths}

    def test_before_the_window_everything_is_404(self, client, org, owner):
        now = timezone.now()
        client.force_login(_auditor(org, starts=now + DAY, expires=now + 2 * DAY))
        assert self._statuses(client, self.PAGES + self.API) == {404}

    def test_inside_the_window_reads_work_and_writes_do_not(self, client, org, owner):
        now = timezone.now()
        client.force_login(_auditor(org, starts=now - DAY, expires=now + DAY))
        assert self._statuses(client, self.PAGES + self.API) == {200}
        assert client.post("/o/acme/settings/", {"name": "X", "version": 1}).status_code == 403
        r = client.patch(
            "/api/v1/orgs/acme/",
            {"name": "X", "version": 1},
            content_type="application/json",
        )
        assert r.status_code in (403,)  # session write: refused (CSRF or role)
        org.refresh_from_db()
        assert org.name == "Acme Ltd"

    def test_after_the_window_everything_is_404(self, client, org, owner):
        now = timezone.now()
        client.force_login(_auditor(org, starts=now - 2 * DAY, expires=now - DAY))
        assert self._statuses(client, self.PAGES + self.API) == {404}


class TestMembersPage:
    def test_states_are_shown(self, client, org, owner, member):
        now = timezone.now()
        for email, starts, expires in [
            ("pending@x.test", now + DAY, now + 2 * DAY),
            ("expired@x.test", None, now - DAY),
            ("current@x.test", now - DAY, now + DAY),
        ]:
            MembershipFactory(
                organization=org,
                user=UserFactory(email=email),
                role="auditor",
                access_starts_at=starts,
                access_expires_at=expires,
            )
        viewer = member(org, "viewer")
        for user in (owner, viewer):
            client.force_login(user)
            html = client.get("/o/acme/members/").content.decode()
            assert html.count("not yet active") == 1
            assert html.count(">expired ·") == 1
            assert html.count("access-current") >= 2
            assert html.count("from ") >= 2 and "until " in html

    def test_add_form_takes_the_window(self, client, org, owner):
        client.force_login(owner)
        data = {
            "email": "ext@audit.test",
            "role": "auditor",
            "access_starts_at": "2998-01-10T09:00",
            "access_expires_at": "2998-01-05T18:00",
        }
        r = client.post("/o/acme/members/add/", data)
        assert r.status_code == 422
        assert "must be before" in r.content.decode()
        data["access_expires_at"] = "2998-01-31T18:00"
        r = client.post("/o/acme/members/add/", data)
        assert r.status_code == 302
        m = Membership.objects.get(user__email="ext@audit.test")
        assert m.access_state() == "pending"
        assert timezone.localtime(m.access_starts_at).day == 10
        html = client.get("/o/acme/members/").content.decode()
        assert "not yet active" in html

    def test_htmx_row_change_sets_the_start(self, client, org, owner):
        target = MembershipFactory(
            organization=org, role="auditor", access_expires_at=timezone.now() + 10 * DAY
        )
        client.force_login(owner)
        p = f"m{target.pk}"
        r = client.post(
            f"/o/acme/members/{target.pk}/role/",
            {
                f"{p}-role": "auditor",
                f"{p}-version": 1,
                f"{p}-access_starts_at": "2998-01-10T09:00",
                f"{p}-access_expires_at": "2998-01-31T18:00",
            },
            HTTP_HX_REQUEST="true",
        )
        assert r.status_code == 200, r.content
        assert "not yet active" in r.content.decode()
        target.refresh_from_db()
        assert target.access_starts_at is not None


class TestApi:
    @pytest.fixture
    def token(self, org, owner):
        return services.token_create(organization=org, actor=owner, name="t").secret

    def test_add_with_window_and_state(self, client, org, owner, token):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        r = client.post(
            "/api/v1/orgs/acme/members/",
            {"email": "ext@audit.test", "role": "auditor"},
            content_type="application/json",
            **auth,
        )
        assert r.status_code == 422, r.content
        assert "access" in r.content.decode()
        r = client.post(
            "/api/v1/orgs/acme/members/",
            {
                "email": "ext@audit.test",
                "role": "auditor",
                "access_starts_at": "2998-01-10T09:00:00Z",
                "access_expires_at": "2998-01-31T18:00:00Z",
            },
            content_type="application/json",
            **auth,
        )
        assert r.status_code == 201, r.content
        body = r.json()
        assert body["access_state"] == "pending"
        assert body["access_starts_at"].startswith("2998-01-10")
        r = client.patch(
            f"/api/v1/orgs/acme/members/{body['id']}/",
            {"role": "auditor", "access_starts_at": None, "version": 1},
            content_type="application/json",
            **auth,
        )
        assert r.status_code == 200, r.content
        assert r.json()["access_state"] == "current"
        assert r.json()["access_expires_at"].startswith("2998-01-31")


def test_an_auditor_keeps_an_end_when_the_role_or_window_changes(org, owner, member):
    from django.core.exceptions import ValidationError

    from openisms.accounts import services as account_services

    viewer = member(org, "viewer")
    target = viewer.memberships.get(organization=org)
    with pytest.raises(ValidationError, match="needs an end"):
        account_services.membership_change_role(
            membership=target, actor=owner, role="auditor", version=target.version
        )
    until = timezone.now() + dt.timedelta(days=30)
    target = account_services.membership_change_role(
        membership=target,
        actor=owner,
        role="auditor",
        version=target.version,
        access_expires_at=until,
    )
    with pytest.raises(ValidationError, match="needs an end"):
        account_services.membership_change_role(
            membership=target,
            actor=owner,
            role="auditor",
            version=target.version,
            access_expires_at=None,
        )
