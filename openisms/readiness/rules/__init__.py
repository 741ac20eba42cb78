"""The readiness rules, one module per area of the standard. Importing this package registers
them all with ``openisms.readiness.engine``."""

from openisms.readiness.rules import (  # noqa: F401
    context,
    improvement,
    leadership,
    operation,
    performance,
    risks,
    soa,
    support,
)
