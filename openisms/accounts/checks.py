from __future__ import annotations

from typing import Any

from django.core.checks import Error, register


@register()
def role_table_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    from openisms.accounts.roles import validate_table

    return [Error(problem, id="openisms.E001") for problem in validate_table()]
