"""Production settings: behind a TLS-terminating proxy, mail through SMTP.

``check --deploy`` runs on these in ``make test``. Configure mail with EMAIL_URL
(smtp://user:password@host:587, smtps://…, smtp+plain://…) or OPENISMS_EMAIL_HOST,
OPENISMS_EMAIL_PORT, OPENISMS_EMAIL_USER, OPENISMS_EMAIL_PASSWORD (default: localhost:25).
"""

import os

os.environ.setdefault("OPENISMS_HTTPS", "1")

from openisms.settings import *  # noqa: F403
from openisms.settings import mailers_from_env

MAILERS = (
    mailers_from_env(os.environ)
    if os.environ.get("EMAIL_URL")
    else {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("OPENISMS_EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("OPENISMS_EMAIL_PORT", "25")),
                "username": os.environ.get("OPENISMS_EMAIL_USER", ""),
                "password": os.environ.get("OPENISMS_EMAIL_PASSWORD", ""),
                "use_tls": os.environ.get("OPENISMS_EMAIL_PORT", "25") == "587",
            },
        }
    }
)
