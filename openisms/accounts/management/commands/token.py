from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from openisms.accounts import services
from openisms.accounts.models import User
from openisms.core.gate import organization_for
from openisms.core.management.base import OpenISMSCommand, resolve_organization


class Command(OpenISMSCommand):
    help = "API tokens: 'create EMAIL --org SLUG [--name NAME]' prints a new token once."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create}")
        create = sub.add_parser("create", help="Create an API token and print it once.")
        create.add_argument("email")
        create.add_argument("--org", required=True, metavar="SLUG")
        create.add_argument("--name", default="CLI token")

    def handle(self, *args: Any, **options: Any) -> None:
        org = resolve_organization(options["org"])
        user = User.objects.filter(email__iexact=options["email"]).first()
        if user is None:
            raise CommandError(f"Unknown user '{options['email']}'.")
        try:
            organization_for(user, org.slug)
        except Exception as exc:
            raise CommandError(f"{user.email} is not a current member of {org.slug}.") from exc
        new = services.token_create(organization=org, actor=user, name=options["name"])
        self.stdout.write(new.secret)
