from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from openisms.core import audit
from openisms.core.management.base import OpenISMSCommand, resolve_organization


class Command(OpenISMSCommand):
    help = "Audit trail: 'verify' recomputes the hash chains and reports the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify}")
        verify = sub.add_parser("verify", help="Recompute every event's hash and link.")
        verify.add_argument("--org", metavar="SLUG", help="Only this organisation's chain.")
        verify.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        org = resolve_organization(options["org"]) if options.get("org") else None
        reports = audit.verify_all(organization=org)
        if options["format"] == "json":
            self.stdout.write(json.dumps([r.__dict__ for r in reports], indent=2))
        else:
            for r in reports:
                if r.ok:
                    self.stdout.write(f"{r.key}: OK, {r.checked} events checked")
                else:
                    self.stdout.write(
                        f"{r.key}: BROKEN at event {r.broken_seq} ({r.reason}); "
                        f"{r.checked} events verified before it"
                    )
            total = sum(r.checked for r in reports)
            self.stdout.write(f"{len(reports)} chain(s), {total} events checked")
        broken = [r for r in reports if not r.ok]
        if broken:
            first = broken[0]
            raise CommandError(
                f"audit trail broken: chain {first.key}, event {first.broken_seq}: {first.reason}"
            )
