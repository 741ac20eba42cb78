from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from openisms.accounts import services
from openisms.accounts.models import User
from openisms.accounts.roles import Role
from openisms.core.management.base import OpenISMSCommand, resolve_organization


class Command(OpenISMSCommand):
    help = "Users: 'create EMAIL --org SLUG --role ROLE [--password-stdin] [--name NAME]'."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create}")
        create = sub.add_parser(
            "create", help="Create a user (or add an existing one) with a role."
        )
        create.add_argument("email")
        create.add_argument("--org", required=True, metavar="SLUG")
        create.add_argument("--role", required=True, metavar="ROLE", help=", ".join(Role.values))
        create.add_argument("--name", default="", help="Full name.")
        create.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        org = resolve_organization(options["org"])
        role = options["role"]
        if role not in Role.values:
            raise CommandError(f"Unknown role '{role}' (one of: {', '.join(Role.values)}).")
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("No password on standard input.")
        with transaction.atomic():
            user = User.objects.filter(email__iexact=options["email"].strip()).first()
            if user is None:
                user = services.user_create(
                    email=options["email"], password=password, full_name=options["name"]
                )
            elif password is not None:
                raise CommandError(
                    f"User {user.email} already exists; the password was not changed."
                )
            services.membership_add(organization=org, actor=None, user=user, role=role, check=False)
        self.stdout.write(f"{user.email} is {role} of {org.slug}")
