"""Production settings: behind a TLS-terminating proxy. ``check --deploy`` runs on these."""

import os

os.environ.setdefault("OPENISMS_HTTPS", "1")

from openisms.settings import *  # noqa: E402, F403
