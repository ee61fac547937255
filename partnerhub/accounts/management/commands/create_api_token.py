from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from partnerhub.accounts import services
from partnerhub.accounts.models import User
from partnerhub.core.context import Actor, acting_as
from partnerhub.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it once (only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="command line", help="What the token is for.")
        parser.add_argument("--days", type=int, default=None, help="Expire after this many days.")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            raise CommandError(f"No user with e-mail {email}.")
        expires = timezone.now() + dt.timedelta(days=options["days"]) if options["days"] else None
        with acting_as(Actor(user_id=None, label="manage.py create_api_token")):
            try:
                _token, plain = services.api_token_create(user=user, name=options["name"], expires_at=expires)
            except DomainError as exc:
                raise CommandError(exc.message) from None
        self.stdout.write(plain)
