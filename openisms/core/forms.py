from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

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
