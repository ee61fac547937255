from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from partnerhub.core import scheduler
from partnerhub.core.context import Actor, acting_as
from partnerhub.core.seeding import seeders


class Command(BaseCommand):
    help = "Load demo data (idempotent: running it again changes nothing) and print the demo sign-ins."

    def handle(self, *args: Any, **options: Any) -> None:
        with acting_as(Actor(user_id=None, label="seed_demo")), transaction.atomic():
            scheduler.sync_jobs()
            for _name, seeder in seeders():
                seeder(self.stdout)  # type: ignore[arg-type]
