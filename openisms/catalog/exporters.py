"""Turn a stored framework into a file: our YAML, OSCAL catalog JSON, CSV."""

from __future__ import annotations

import json

from django.utils import timezone

from openisms.catalog.formats import openisms as openisms_format
from openisms.catalog.formats import tabular
from openisms.catalog.models import Framework
from openisms.catalog.selectors import framework_to_data, library_to_data

EXPORT_FORMATS = ("openisms-yaml", "oscal-json", "csv")
CONTENT_TYPES = {
    "openisms-yaml": ("application/yaml", "yaml"),
    "oscal-json": ("application/json", "json"),
    "csv": ("text/csv", "csv"),
}


def export_framework(framework: Framework, fmt: str) -> str:
    if fmt == "openisms-yaml":
        return openisms_format.write(library_to_data(framework))
    if fmt == "oscal-json":
        from openisms.catalog.formats import oscal

        doc = oscal.export_catalog(
            framework_to_data(framework), last_modified=framework.updated_at or timezone.now()
        )
        return json.dumps(doc, indent=2, ensure_ascii=False)
    if fmt == "csv":
        return tabular.write_csv(framework_to_data(framework))
    raise ValueError(f"unknown export format {fmt!r} (one of: {', '.join(EXPORT_FORMATS)})")
