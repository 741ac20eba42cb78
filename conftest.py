"""Test set-up shared by every test: fast password hashing and the organisation fixtures."""

from __future__ import annotations

import pytest

from openisms.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db):
    return OrganizationFactory(slug="acme", name="Acme Ltd")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(slug="globex", name="Globex Corp")


@pytest.fixture
def member(db):
    """member(org, role) → a user with that role in org."""

    def make(organization, role, **kwargs):
        user = UserFactory(**kwargs)
        MembershipFactory(organization=organization, user=user, role=role)
        return user

    return make


@pytest.fixture
def owner(org, member):
    return member(org, "owner", email="owner@acme.test")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The shipped content (catalog: ISO/IEC 27001:2022 and 2013, NIST CSF 2.0, mapping sets;
    the threat catalog) is in the test database from the start, as after `openisms demo`;
    each test rolls back to it."""
    from openisms.core import startup

    with django_db_blocker.unblock():
        startup.run()
