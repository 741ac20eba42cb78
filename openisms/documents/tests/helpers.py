"""Shared builders for the document register tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openisms.documents import services

POLICY = "# Information security policy\n\nWe protect **customer designs**.\n"


@pytest.fixture(autouse=True)
def _evidence_root(settings, tmp_path):
    settings.OPENISMS_EVIDENCE_ROOT = tmp_path / "evidence"


def make_doc(org: Any, actor: Any, **data: Any) -> Any:
    data.setdefault("title", "Information security policy")
    data.setdefault("type", "policy")
    if "upload" not in data:
        data.setdefault("body_markdown", POLICY)
    return services.document_create(organization=org, actor=actor, **data)


def submit(doc: Any, actor: Any) -> Any:
    return services.document_transition(
        document=doc, actor=actor, to="in_review", version=doc.version
    )


def approve(doc: Any, actor: Any, **kwargs: Any) -> Any:
    submit(doc, actor)
    return services.document_approve(document=doc, actor=actor, version=doc.version, **kwargs)


def text_file(name: str = "policy.txt", content: str = "Policy text\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode())
