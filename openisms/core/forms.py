from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from openisms.core.exceptions import ConflictError


def add_service_error(form: forms.Form, exc: ValidationError | ConflictError) -> None:
    """Show a service's refusal on the form, next to the field it names where it names one."""
    if isinstance(exc, ConflictError):
        form.add_error(None, exc.message)
        form.conflict = True  # type: ignore[attr-defined]
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields and field != NON_FIELD_ERRORS else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


MAX_ID = 2**31 - 1


def parse_id(value: object) -> int | None:
    """A positive id or version number from a query string or a form (ASCII digits within the
    database's integer range), else None — never an exception."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        number = int(value)
        return number if 1 <= number <= MAX_ID else None
    return None


def posted_version(request: Any) -> int:
    """The version of the record the user saw, from a POSTed form. Missing or malformed, the
    write is refused: an edit without it could overwrite someone else's change."""
    version = parse_id(request.POST.get("version"))
    if version is None:
        raise ValidationError(
            _("The form was sent without the version you saw; reload the page and try again.")
        )
    return version
