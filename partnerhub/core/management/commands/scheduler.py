from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from partnerhub.core import scheduler
from partnerhub.core.context import Actor, acting_as

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the periodic scheduler: enqueue registered jobs when they are due (several may run at once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Check once and exit.")
        parser.add_argument("--interval", type=int, default=settings.SCHEDULER_POLL_SECONDS)

    def handle(self, *args: Any, **options: Any) -> None:
        stop = False

        def _stop(*_args: Any) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        with acting_as(Actor(user_id=None, label="scheduler")):
            scheduler.sync_jobs()
            while True:
                close_old_connections()
                for name in scheduler.run_due():
                    log.info("enqueued periodic job %s", name)
                if options["once"] or stop:
                    break
                for _ in range(options["interval"]):
                    if stop:
                        break
                    time.sleep(1)
                if stop:
                    break
