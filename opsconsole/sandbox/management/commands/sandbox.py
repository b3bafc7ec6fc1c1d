"""`manage.py sandbox`: serve the simulated cluster on loopback until interrupted."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opsconsole.sandbox.cli import Options, add_arguments, serve
from opsconsole.sandbox.server import check_loopback


class Command(BaseCommand):
    help = "Run the sandbox cluster: a simulated Kubernetes API server on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            host = check_loopback(options["host"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        logging.basicConfig(level=logging.INFO if options["verbosity"] > 1 else logging.WARNING)
        opts = Options(
            host,
            options["port"],
            options["kubeconfig"],
            options["seed"] or Path(settings.BASE_DIR) / "k8s",
            options["pods"],
            options["time_scale"],
        )
        try:
            asyncio.run(serve(opts, self._say))
        except OSError as exc:
            raise CommandError(f"cannot serve on {host}:{opts.port}: {exc}") from exc

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
