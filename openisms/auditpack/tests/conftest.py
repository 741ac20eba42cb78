from __future__ import annotations

import pytest


@pytest.fixture
def stores(settings, tmp_path):
    """Evidence and packs in a fresh directory of the test."""
    settings.OPENISMS_EVIDENCE_ROOT = tmp_path / "evidence"
    settings.OPENISMS_AUDIT_PACK_ROOT = tmp_path / "packs"
    return tmp_path
