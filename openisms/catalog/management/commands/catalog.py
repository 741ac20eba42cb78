from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.http import Http404

from openisms.catalog import selectors, services
from openisms.catalog.data import LibraryError
from openisms.catalog.exporters import EXPORT_FORMATS, export_framework
from openisms.catalog.formats import FORMATS
from openisms.core.management.base import OpenISMSCommand


class Command(OpenISMSCommand):
    help = "Framework catalog: list, show, import and export frameworks and mapping sets."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{list,show,import,export}"
        )
        lst = sub.add_parser("list", help="Frameworks and mapping sets.")
        lst.add_argument("--json", action="store_true")
        show = sub.add_parser("show", help="One framework and its requirement tree.")
        show.add_argument("urn")
        show.add_argument("--json", action="store_true")
        imp = sub.add_parser("import", help="Import library files or folders (all or nothing).")
        imp.add_argument("paths", nargs="+", metavar="PATH")
        imp.add_argument("--format", choices=FORMATS, default="auto")
        imp.add_argument("--dry-run", action="store_true", help="Check and report; write nothing.")
        exp = sub.add_parser("export", help="Export a framework.")
        exp.add_argument("urn")
        exp.add_argument("--format", choices=EXPORT_FORMATS, required=True)
        exp.add_argument("-o", "--output", required=True, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(options)

    def do_list(self, options: dict[str, Any]) -> None:
        frameworks = list(selectors.framework_list(organization=None))
        sets = list(selectors.mapping_set_list(organization=None))
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "frameworks": [
                            {
                                "urn": f.urn,
                                "ref_id": f.ref_id,
                                "name": f.name,
                                "version": f.version,
                                "provider": f.provider,
                                "nodes": f.node_count,
                                "assessable": f.assessable_count,
                            }
                            for f in frameworks
                        ],
                        "mapping_sets": [
                            {
                                "urn": m.urn,
                                "name": m.name,
                                "source": m.source_framework.urn,
                                "target": m.target_framework.urn,
                                "mappings": m.mapping_count,
                            }
                            for m in sets
                        ],
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write("Frameworks:")
        for f in frameworks:
            self.stdout.write(
                f"  {f.urn}  {f.name} (version {f.version}; {f.assessable_count} assessable of {f.node_count})"
            )
        self.stdout.write("Mapping sets:")
        for m in sets:
            self.stdout.write(f"  {m.urn}  {m.name} ({m.mapping_count} mappings)")

    def do_show(self, options: dict[str, Any]) -> None:
        try:
            framework = selectors.framework_get(organization=None, urn=options["urn"])
        except Http404 as exc:
            raise CommandError(f"Unknown framework '{options['urn']}'.") from exc
        data = selectors.framework_to_data(framework)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "urn": data.urn,
                        "ref_id": data.ref_id,
                        "name": data.name,
                        "version": data.version,
                        "provider": data.provider,
                        "nodes": [
                            {
                                "urn": n.urn,
                                "ref_id": n.ref_id,
                                "name": n.name,
                                "parent": n.parent or None,
                                "kind": n.kind,
                                "assessable": n.assessable,
                            }
                            for n in data.nodes
                        ],
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
            return
        depth: dict[str, int] = {}
        self.stdout.write(f"{data.name} — version {data.version} ({data.urn})")
        for n in data.nodes:
            depth[n.urn] = depth.get(n.parent, -1) + 1 if n.parent else 0
            marker = "" if n.assessable else "  [group]"
            self.stdout.write(f"{'  ' * depth[n.urn]}{n.ref_id} {n.name}{marker}".rstrip())
        assessable = sum(1 for n in data.nodes if n.assessable)
        self.stdout.write(f"{len(data.nodes)} nodes, {assessable} assessable")

    def do_import(self, options: dict[str, Any]) -> None:
        show_progress = sys.stderr.isatty()

        def progress(label: str, done: int, total: int) -> None:
            if show_progress:
                width = 30
                filled = int(width * done / total)
                sys.stderr.write(
                    f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:50]:<50}"
                )
                if done == total:
                    sys.stderr.write("\n")
                sys.stderr.flush()

        try:
            result = services.catalog_import(
                [Path(p) for p in options["paths"]],
                fmt=options["format"],
                dry_run=options["dry_run"],
                progress=progress,
            )
        except LibraryError as exc:
            raise CommandError(str(exc)) from exc
        for lib in result.libraries:
            self.stdout.write(f"{lib.source}: library {lib.urn} {lib.status}")
            for fw in lib.frameworks:
                detail = f"{fw.nodes} nodes"
                if fw.status == "updated":
                    detail += f"; added {len(fw.added)}, changed {len(fw.changed)}, removed {len(fw.removed)}"
                    for label, refs in (
                        ("added", fw.added),
                        ("changed", fw.changed),
                        ("removed", fw.removed),
                    ):
                        if refs:
                            detail += f"\n      {label}: {', '.join(refs[:20])}{' …' if len(refs) > 20 else ''}"
                self.stdout.write(f"    framework {fw.urn} {fw.status} ({detail})")
            for urn, count in lib.mapping_sets:
                self.stdout.write(f"    mapping set {urn}: {count} mappings")
            if lib.control_templates:
                self.stdout.write(f"    control templates: {lib.control_templates}")
        c = result.counts()
        self.stdout.write(
            ("Dry run, nothing written. " if result.dry_run else "")
            + f"Frameworks: {c['frameworks']['created']} created, {c['frameworks']['updated']} updated, "
            f"{c['frameworks']['unchanged']} unchanged. Nodes: {c['nodes']['created']} created, "
            f"{c['nodes']['updated']} updated, {c['nodes']['removed']} removed. "
            f"Mappings: {c['mappings']['loaded']} loaded."
        )

    def do_export(self, options: dict[str, Any]) -> None:
        try:
            framework = selectors.framework_get(organization=None, urn=options["urn"])
        except Http404 as exc:
            raise CommandError(f"Unknown framework '{options['urn']}'.") from exc
        text = export_framework(framework, options["format"])
        Path(options["output"]).write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {options['output']} ({options['format']})")
