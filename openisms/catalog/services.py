"""Writes for the catalog: import libraries (all or nothing), load the shipped content,
adopt frameworks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from openisms.catalog import loader
from openisms.catalog.data import LibraryData, LibraryError
from openisms.catalog.formats import expand, read_path
from openisms.catalog.models import Framework, FrameworkAdoption, Library
from openisms.catalog.selectors import framework_to_data, visible_frameworks
from openisms.core import audit
from openisms.core.gate import require
from openisms.core.services import record_create, record_delete

CONTENT_DIR = Path(__file__).resolve().parent / "content"

Progress = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    libraries: list[loader.LibraryReport] = field(default_factory=list)
    dry_run: bool = False

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {
            "frameworks": {"created": 0, "updated": 0, "unchanged": 0},
            "nodes": {"created": 0, "updated": 0, "removed": 0},
            "mappings": {"loaded": 0},
        }
        for lib in self.libraries:
            for fw in lib.frameworks:
                out["frameworks"][fw.status] += 1
                if fw.status == "created":
                    out["nodes"]["created"] += fw.nodes
                else:
                    out["nodes"]["created"] += len(fw.added)
                    out["nodes"]["updated"] += len(fw.changed)
                    out["nodes"]["removed"] += len(fw.removed)
            out["mappings"]["loaded"] += sum(n for _, n in lib.mapping_sets)
        return out


class _DryRun(Exception):
    pass


def _visible_libraries(organization: Any) -> dict[str, Library]:
    qs = Library.objects.filter(organization__isnull=True)
    if organization is not None:
        qs = qs | Library.objects.filter(organization=organization)
    found: dict[str, Library] = {}
    for lib in qs:
        for key in [lib.urn, *lib.aliases]:
            found.setdefault(key, lib)
    return found


def _order_by_dependencies(
    libs: list[LibraryData], installed: dict[str, Library]
) -> list[LibraryData]:
    given: dict[str, LibraryData] = {}
    for lib in libs:
        for key in [lib.urn, *lib.aliases]:
            if key in given and given[key] is not lib:
                raise LibraryError(
                    f"library {key!r} is given twice (also in {given[key].source})",
                    source=lib.source,
                )
            given[key] = lib
    ordered: list[LibraryData] = []
    state: dict[int, str] = {}

    def visit(lib: LibraryData, path: list[str]) -> None:
        if state.get(id(lib)) == "done":
            return
        if state.get(id(lib)) == "visiting":
            raise LibraryError(
                f"dependency cycle: {' → '.join([*path, lib.urn])}", source=lib.source
            )
        state[id(lib)] = "visiting"
        for dep in lib.dependencies:
            if dep in given:
                visit(given[dep], [*path, lib.urn])
            elif dep not in installed:
                raise LibraryError(
                    f"depends on library {dep!r}, which is neither loaded nor given",
                    source=lib.source,
                    where="dependencies",
                )
        state[id(lib)] = "done"
        ordered.append(lib)

    for lib in libs:
        visit(lib, [])
    return ordered


def library_load(
    lib: LibraryData, *, organization: Any = None, index: loader.FrameworkIndex
) -> loader.LibraryReport:
    """Write one parsed library: nothing when unchanged, in place when changed. Runs inside
    the caller's transaction."""
    loader.check_library_text(lib)
    digest = loader.content_hash(lib)
    existing = Library.objects.filter(organization=organization, urn=lib.urn).first()
    if (
        organization is not None
        and Library.objects.filter(organization__isnull=True, urn=lib.urn).exists()
    ):
        raise LibraryError(
            f"library {lib.urn!r} is provided globally and cannot be replaced by an organisation",
            source=lib.source,
        )
    if existing is not None and existing.content_hash == digest:
        return loader.LibraryReport(
            lib.urn,
            lib.name,
            lib.source,
            "unchanged",
            frameworks=[
                loader.FrameworkReport(fw.urn, fw.name, "unchanged", nodes=len(fw.nodes))
                for fw in lib.frameworks
            ],
        )
    if existing is not None and loader.is_older(lib.version, existing.version):
        raise LibraryError(
            f"version {lib.version} is older than the installed {existing.version}",
            source=lib.source,
        )
    values = {
        "name": lib.name[:255],
        "version": lib.version[:50],
        "provider": lib.provider[:255],
        "publication_date": lib.publication_date,
        "copyright": lib.copyright,
        "description": lib.description,
        "format": lib.format,
        "dependencies": lib.dependencies,
        "aliases": lib.aliases,
        "content_hash": digest,
    }
    if existing is None:
        library = Library.objects.create(organization=organization, urn=lib.urn, **values)
        status = "created"
    else:
        library = existing
        for k, v in values.items():
            setattr(library, k, v)
        library.save()
        status = "updated"
    report = loader.LibraryReport(lib.urn, lib.name, lib.source, status)
    for fw in lib.frameworks:
        framework, fw_report = loader.sync_framework(
            fw, library=library, organization=organization, source=lib.source
        )
        index.add(framework)
        report.frameworks.append(fw_report)
    report.mapping_sets = loader.sync_mapping_sets(
        lib, library=library, organization=organization, index=index
    )
    report.control_templates = loader.sync_templates(
        lib, library=library, organization=organization
    )
    return report


def _resolve_profile(profile: Any, *, organization: Any, parsed: list[LibraryData]) -> LibraryData:
    refs = set(profile.catalog_refs)
    for lib in parsed:
        for fw in lib.frameworks:
            file_stem = Path(str(fw.source.get("file", ""))).stem
            if refs & {
                str(fw.source.get("oscal_uuid", "")),
                str(fw.source.get("file", "")),
                file_stem,
            }:
                return profile.resolve(fw)
    for framework in visible_frameworks(organization):
        file_stem = Path(str(framework.source.get("file", ""))).stem
        if refs & {
            str(framework.source.get("oscal_uuid", "")),
            str(framework.source.get("file", "")),
            file_stem,
        }:
            return profile.resolve(framework_to_data(framework))
    raise LibraryError(
        f"the profile selects from catalog {sorted(refs)[0]!r}, which is neither loaded nor given",
        source=profile.source,
        where="profile.imports[0].href",
    )


def catalog_import(
    paths: list[Path],
    *,
    fmt: str = "auto",
    dry_run: bool = False,
    organization: Any = None,
    actor: Any = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import library files or folders in one transaction: every file is parsed and checked,
    dependencies are loaded first, and nothing is written when anything is wrong (or with
    ``dry_run``). Organisation imports need the owner's ``catalog.import_library``."""
    if organization is not None:
        require(actor, "catalog.import_library", organization)
    files = expand(paths)
    if not files:
        raise LibraryError("no library files found", source=", ".join(str(p) for p in paths))
    parsed: list[LibraryData] = []
    profiles: list[Any] = []
    for i, path in enumerate(files, start=1):
        if progress:
            progress(f"reading {path.name}", i, len(files))
        item = read_path(path, fmt)
        (parsed if isinstance(item, LibraryData) else profiles).append(item)
    result = ImportResult(dry_run=dry_run)
    try:
        with transaction.atomic():
            index = loader.FrameworkIndex(organization)
            ordered = _order_by_dependencies(parsed, _visible_libraries(organization))
            for i, lib in enumerate(ordered, start=1):
                if progress:
                    progress(f"loading {lib.source}", i, len(ordered))
                result.libraries.append(library_load(lib, organization=organization, index=index))
            for profile in profiles:
                lib = _resolve_profile(profile, organization=organization, parsed=parsed)
                result.libraries.append(library_load(lib, organization=organization, index=index))
            for report in result.libraries:
                if report.status != "unchanged":
                    audit.record(
                        organization=organization,
                        actor=actor,
                        action=f"catalog.library_{report.status}",
                        object_type="catalog.library",
                        object_id=report.urn,
                        object_repr=report.name,
                        changes={
                            fw.urn: {
                                "status": fw.status,
                                "added": fw.added,
                                "changed": fw.changed,
                                "removed": fw.removed,
                            }
                            for fw in report.frameworks
                        },
                    )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result


def load_shipped_content() -> ImportResult:
    """The libraries that ship with OpenISMS (ISO/IEC 27001:2022 and 2013, NIST CSF 2.0, the
    mapping sets). Idempotent and quick when nothing changed; run by ``demo`` and ``serve``."""
    return catalog_import([CONTENT_DIR], fmt="openisms")


# --- adoption -------------------------------------------------------------------------------------


def framework_adopt(*, organization: Any, actor: Any, framework: Framework) -> FrameworkAdoption:
    require(actor, "catalog.adopt_framework", organization)
    if framework.organization_id not in (None, organization.pk):
        raise ValidationError(_("No such framework."))
    if FrameworkAdoption.objects.filter(organization=organization, framework=framework).exists():
        raise ValidationError(_("%s is already adopted.") % framework.name)
    return record_create(
        FrameworkAdoption(organization=organization, framework=framework, adopted_by=actor),
        actor=actor,
        action="framework.adopt",
    )


def framework_drop(*, adoption: FrameworkAdoption, actor: Any) -> None:
    require(actor, "catalog.adopt_framework", adoption)
    record_delete(adoption, actor=actor, action="framework.drop")


def demo_adopt_iso(*, organization: Any, owner: Any, **_: Any) -> None:
    """Demo organisations work to ISO/IEC 27001:2022."""
    framework = Framework.objects.filter(
        organization__isnull=True, urn="urn:openisms:framework:iso27001-2022"
    ).first()
    if (
        framework
        and not FrameworkAdoption.objects.filter(
            organization=organization, framework=framework
        ).exists()
    ):
        framework_adopt(organization=organization, actor=owner, framework=framework)
