from __future__ import annotations

from django.utils.translation import gettext as _


class ConflictError(Exception):
    """An edit was made from a stale version of the record (optimistic locking)."""

    def __init__(self, *, obj: object, expected: int, current: int | None) -> None:
        self.obj = obj
        self.expected = expected
        self.current = current
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.current is None:
            return _("This record was deleted by someone else.")
        return _(
            "This record was changed by someone else (you edited version %(expected)s, it is now "
            "at version %(current)s). Reload it to see their changes, then apply yours again."
        ) % {"expected": self.expected, "current": self.current}


class PreconditionFailed(ConflictError):
    """As ConflictError, for a stale ``If-Match`` header (HTTP 412)."""


class PreconditionRequired(Exception):
    """An edit of a versioned record came without the version it was made from (HTTP 428)."""
