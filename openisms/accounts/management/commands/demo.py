from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.db import transaction

from openisms.accounts import services
from openisms.accounts.models import Membership, Organization, User
from openisms.accounts.roles import Role
from openisms.core import demo, startup
from openisms.core.management.base import OpenISMSCommand

DEMO_EMAIL = "demo@openisms.local"
DEMO_PASSWORD = "demo-openisms-2026"  # noqa: S105 (printed by make demo on purpose)
DEMO_ORGS = [("demo", "Demo Manufacturing Ltd"), ("demo-subsidiary", "Demo Subsidiary GmbH")]
DEMO_PEOPLE = [
    ("isms.manager@openisms.local", "Maria Manager", Role.MANAGER),
    ("control.owner@openisms.local", "Carl Contributor", Role.CONTRIBUTOR),
    ("auditor@openisms.local", "Alex Auditor", Role.AUDITOR),
    ("viewer@openisms.local", "Vera Viewer", Role.VIEWER),
]


class Command(OpenISMSCommand):
    help = "Migrate the database and create the demo organisations and accounts (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        startup.run()
        password = os.environ.get("OPENISMS_DEMO_PASSWORD", DEMO_PASSWORD)
        with transaction.atomic():
            owner = User.objects.filter(email=DEMO_EMAIL).first() or services.user_create(
                email=DEMO_EMAIL, password=password, full_name="Dana Demo"
            )
            for slug, name in DEMO_ORGS:
                org = Organization.objects.filter(slug=slug).first()
                if org is None:
                    org = services.organization_create(slug=slug, name=name, owner=owner)
                colleagues = {}
                for email, full_name, role in DEMO_PEOPLE:
                    person = User.objects.filter(email=email).first() or services.user_create(
                        email=email, password=password, full_name=full_name
                    )
                    if not Membership.objects.filter(organization=org, user=person).exists():
                        services.membership_add(
                            organization=org, actor=owner, user=person, role=role
                        )
                    colleagues[str(role)] = person
                demo.run(organization=org, owner=owner, colleagues=colleagues, full=slug == "demo")
        self.stdout.write(
            "Demo ready: organisations "
            + ", ".join(slug for slug, _ in DEMO_ORGS)
            + f"\n  sign in as {DEMO_EMAIL} / {password} (owner)"
            + "\n  other demo accounts (same password): "
            + ", ".join(f"{e} ({r})" for e, _, r in DEMO_PEOPLE)
        )
