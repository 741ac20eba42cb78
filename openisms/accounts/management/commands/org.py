from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from openisms.accounts import services
from openisms.accounts.models import Organization, User
from openisms.core.management.base import OpenISMSCommand


class Command(OpenISMSCommand):
    help = "Organisations: 'create SLUG --name NAME [--owner EMAIL]', 'list'."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list}")
        create = sub.add_parser("create", help="Create an organisation.")
        create.add_argument("slug")
        create.add_argument("--name", required=True)
        create.add_argument("--owner", metavar="EMAIL", help="An existing user who becomes owner.")
        sub.add_parser("list", help="List organisations.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for org in Organization.objects.order_by("slug"):
                self.stdout.write(f"{org.slug}\t{org.name}")
            return
        owner = None
        if options.get("owner"):
            owner = User.objects.filter(email__iexact=options["owner"]).first()
            if owner is None:
                raise CommandError(f"Unknown user '{options['owner']}'.")
        org = services.organization_create(slug=options["slug"], name=options["name"], owner=owner)
        self.stdout.write(f"Created organisation {org.slug} ({org.name})")
