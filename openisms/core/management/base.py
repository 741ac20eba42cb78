from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from openisms.core.context import audit_context, new_request_id
from openisms.core.exceptions import ConflictError


def validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(str(m) for m in messages)}"
            if field != "__all__"
            else " ".join(messages)
            for field, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


class OpenISMSCommand(BaseCommand):
    """Runs ``handle`` in a CLI audit context and turns refusals into one-line errors."""

    def execute(self, *args: Any, **options: Any) -> Any:
        with audit_context(request_id=f"cli-{new_request_id()}", channel="cli"):
            try:
                return super().execute(*args, **options)
            except ValidationError as exc:
                raise CommandError(validation_message(exc)) from exc
            except ConflictError as exc:
                raise CommandError(exc.message) from exc


def resolve_organization(slug: str) -> Any:
    from django.apps import apps

    org = apps.get_model("accounts", "Organization").objects.filter(slug=slug).first()
    if org is None:
        raise CommandError(f"Unknown organisation '{slug}'.")
    return org
