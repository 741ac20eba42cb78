from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from openisms.core import startup
from openisms.core.management.base import OpenISMSCommand
from openisms.core.views import pending_migrations


class Command(OpenISMSCommand):
    help = "Serve OpenISMS with gunicorn (a production WSGI server)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--demo", action="store_true", help="Migrate and load the demo organisations first."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["demo"]:
            call_command("demo", verbosity=options["verbosity"])
        pending = pending_migrations()
        if pending:
            raise CommandError(
                f"{len(pending)} database migration(s) not applied (first: {pending[0]}). "
                "Run 'openisms migrate' first."
            )
        call_command("createcachetable", verbosity=0)
        startup.run()
        call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"OpenISMS listening on http://{bind}/ ({options['workers']} workers)")
        run_gunicorn(bind=bind, workers=options["workers"])


def run_gunicorn(*, bind: str, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    from openisms.wsgi import application

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in {
                "bind": bind,
                "workers": workers,
                "accesslog": "-",
                "errorlog": "-",
                "timeout": 60,
                "graceful_timeout": 10,
            }.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    Server().run()
