"""The Statement of Applicability from the command line:

``openisms soa export --org SLUG [--version N | --draft] [--framework URN]
--format xlsx|docx|pdf|csv|json -o FILE``,
``openisms soa versions --org SLUG [--framework URN] [--format text|json]`` and
``openisms soa approve --org SLUG --as EMAIL [--comment TEXT] [--framework URN]``.

Without ``--framework`` the ISO/IEC 27001:2022 statement is used (else the organisation's
first one). ``export`` without ``--version`` or ``--draft`` exports the latest approved
version, or the draft when none was approved yet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser
from django.http import Http404
from django.utils import timezone

from openisms.assets.management.commands.assets import acting_member
from openisms.catalog.selectors import visible_frameworks
from openisms.core.management.base import OpenISMSCommand, resolve_organization
from openisms.soa import selectors, services
from openisms.soa.exports import FORMATS, render, soa_document
from openisms.soa.models import Soa

ACTIONS = ("export", "versions", "approve")
TEXT_FORMATS = ("csv", "json")


class Command(OpenISMSCommand):
    help = (
        "Statement of Applicability: 'export --org SLUG [--version N|--draft] [--framework URN] "
        "--format xlsx|docx|pdf|csv|json -o FILE' (default: the latest approved version, else "
        "the draft), 'versions --org SLUG' (approved versions), "
        "'approve --org SLUG --as EMAIL [--comment TEXT]'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{" + ",".join(ACTIONS) + "}"
        )
        exp = sub.add_parser(
            "export",
            help="Export the statement. Without --version or --draft: the latest approved "
            "version, or the draft when none was approved yet.",
        )
        self._common(exp)
        which = exp.add_mutually_exclusive_group()
        which.add_argument(
            "--version",
            type=int,
            metavar="N",
            help="Export approved version N (default: the latest approved version, else the "
            "draft).",
        )
        which.add_argument(
            "--draft", action="store_true", help="Export the draft, even if a version exists."
        )
        exp.add_argument("--format", choices=FORMATS, required=True)
        exp.add_argument(
            "-o",
            "--output",
            required=True,
            metavar="FILE",
            help="'-' writes CSV or JSON to standard output.",
        )
        exp.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="Export as this member (their role must allow reading the statement).",
        )

        ver = sub.add_parser("versions", help="List the approved versions, latest first.")
        self._common(ver)
        ver.add_argument("--format", choices=("text", "json"), default="text")

        app = sub.add_parser(
            "approve",
            help="Approve the draft: freeze it as the next numbered, immutable version.",
        )
        self._common(app)
        app.add_argument(
            "--as",
            dest="as_email",
            required=True,
            metavar="EMAIL",
            help="The member who approves (a manager or owner; recorded in the audit trail).",
        )
        app.add_argument("--comment", default="", help="The approval comment.")

    @staticmethod
    def _common(parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, metavar="SLUG")
        parser.add_argument(
            "--framework",
            metavar="URN",
            help="The statement of this framework (default: ISO/IEC 27001:2022).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = resolve_organization(options["org"])
        soa = _statement(organization, options["framework"])
        {"export": self._export, "versions": self._versions, "approve": self._approve}[
            options["action"]
        ](organization, soa, options)

    def _export(self, organization: Any, soa: Soa, options: dict[str, Any]) -> None:
        if options["as_email"]:
            acting_member(
                organization,
                options["as_email"],
                perm="soa.view_soa",
                doing="read the Statement of Applicability",
            )
        fmt, output = options["format"], options["output"]
        if output == "-" and fmt not in TEXT_FORMATS:
            raise CommandError(f"{fmt.upper()} is written to a file: give -o FILE.")
        try:
            doc = soa_document(soa, version=options["version"], draft=options["draft"])
        except Http404 as exc:
            raise CommandError(
                f"No approved version {options['version']} of the statement in "
                f"'{organization.slug}' (see 'openisms soa versions --org {organization.slug}')."
            ) from exc
        data = render(doc, fmt)
        if output == "-":
            self.stdout.write(data.decode("utf-8-sig"), ending="")
            return
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from exc
        self.stdout.write(
            f"Wrote {output} ({fmt}): {doc.title}, {doc.version_label}, {len(doc.rows)} rows."
        )

    def _versions(self, organization: Any, soa: Soa, options: dict[str, Any]) -> None:
        versions = list(selectors.version_list(soa=soa))
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    [
                        {
                            "version": v.number,
                            "approved_at": v.approved_at.isoformat(),
                            "approver": v.approver_name,
                            "comment": v.comment,
                            "classification": v.classification,
                            "rows": len(v.rows),
                            "content_hash": v.content_hash,
                        }
                        for v in versions
                    ],
                    indent=2,
                    ensure_ascii=False,
                )
            )
            return
        if not versions:
            self.stdout.write(f"No approved version of '{soa.title}' in {organization.slug} yet.")
            return
        lines = [f"{soa.title} ({soa.framework.name}), {organization.slug}:"]
        for v in versions:
            when = timezone.localtime(v.approved_at).strftime("%Y-%m-%d %H:%M")
            comment = f"  {v.comment}" if v.comment else ""
            lines.append(f"  v{v.number}  {when}  {v.approver_name}{comment}")
        self.stdout.write("\n".join(lines))

    def _approve(self, organization: Any, soa: Soa, options: dict[str, Any]) -> None:
        actor = acting_member(
            organization,
            options["as_email"],
            perm="soa.approve_soa",
            doing="approve the Statement of Applicability",
        )
        try:
            version = services.soa_approve(soa=soa, actor=actor, comment=options["comment"])
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Approved version {version.number} of '{soa.title}' in {organization.slug} "
            f"({len(version.rows)} rows) as {actor.email}."
        )


def _statement(organization: Any, urn: str | None) -> Soa:
    if urn:
        framework = visible_frameworks(organization).filter(urn=urn.strip()).first()
        if framework is None:
            raise CommandError(f"Unknown framework '{urn}'.")
        try:
            return selectors.soa_get(organization=organization, framework=framework)
        except Http404 as exc:
            raise CommandError(
                f"No Statement of Applicability for {framework.name} in '{organization.slug}'."
            ) from exc
    soa = selectors.default_soa(organization=organization)
    if soa is None:
        raise CommandError(
            f"No Statement of Applicability in '{organization.slug}' yet: create it on the "
            "Statement of Applicability page."
        )
    return soa
