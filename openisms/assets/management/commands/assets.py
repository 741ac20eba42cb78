"""``openisms assets import --org SLUG FILE --as EMAIL [--dry-run]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from openisms.assets.importer import asset_import
from openisms.core.gate import current_memberships
from openisms.core.management.base import OpenISMSCommand, resolve_organization
from openisms.core.spreadsheets import ImportFailed, ImportResult


def acting_member(organization: Any, email: str, *, perm: str, doing: str) -> Any:
    """The member named by ``--as``, whose role must allow ``perm`` in the organisation."""
    from django.contrib.auth import get_user_model

    user = get_user_model()._default_manager.filter(email__iexact=email.strip()).first()
    if user is None or not current_memberships(user).filter(organization=organization).exists():
        raise CommandError(f"'{email}' is not a member of organisation '{organization.slug}'.")
    if not user.has_perm(perm, organization):
        raise CommandError(
            f"The role of '{email}' in '{organization.slug}' does not allow them to {doing}."
        )
    return user


def add_import_arguments(parser: CommandParser, *, what: str) -> None:
    parser.add_argument("file", metavar="FILE", help="CSV (UTF-8, comma or semicolon) or XLSX.")
    parser.add_argument("--org", required=True, metavar="SLUG")
    parser.add_argument(
        "--as",
        dest="as_email",
        required=True,
        metavar="EMAIL",
        help=f"The member who imports the {what} (recorded in the audit trail).",
    )
    parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing.")


def run_import(command: BaseCommand, importer: Any, options: dict[str, Any], *, label: str) -> None:
    """Call an importer and print its result, or one line per problem and fail (exit 1)."""
    path = Path(options["file"])
    if not path.is_file():
        raise CommandError(f"No such file '{path}'.")
    organization = options["organization"]
    try:
        result: ImportResult = importer(
            organization=organization,
            actor=options["actor"],
            source=path,
            filename=path.name,
            dry_run=options["dry_run"],
        )
    except ImportFailed as exc:
        for problem in exc.problems:
            command.stderr.write(f"{path.name}: {problem}")
        raise CommandError(
            f"{len(exc.problems)} problem(s) in {path.name}; nothing was imported."
        ) from exc
    except PermissionDenied as exc:
        raise CommandError(str(exc)) from exc
    for warning in result.warnings:
        command.stderr.write(f"{path.name}: warning: {warning}")
    command.stdout.write(f"{label} in {organization.slug}: {result.summary()}")


class Command(OpenISMSCommand):
    help = "Asset inventory: 'import --org SLUG FILE --as EMAIL [--dry-run]'."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import}")
        imp = sub.add_parser(
            "import", help="Import assets from CSV or XLSX (all or nothing; by ref)."
        )
        add_import_arguments(imp, what="assets")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = resolve_organization(options["org"])
        options["organization"] = organization
        options["actor"] = acting_member(
            organization, options["as_email"], perm="assets.change_asset", doing="import assets"
        )
        run_import(self, asset_import, options, label="Assets")
