"""Domain errors carry a stable code (for the API and tests) and a readable, translatable message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    status = 400

    def __init__(self, message: str | None = None, *, code: str | None = None, **context: object) -> None:
        self.message = str(message) if message is not None else str(self.default_message())
        if code:
            self.code = code
        self.context = context
        super().__init__(self.message)

    def default_message(self) -> str:
        return str(_("The request could not be carried out."))


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422

    def __init__(self, errors: dict[str, list[str]], message: str | None = None) -> None:
        self.errors = errors
        super().__init__(message or str(_("Some values are not valid.")))


class NotAllowed(DomainError):
    code = "not_allowed"
    status = 403

    def default_message(self) -> str:
        return str(_("You are not allowed to do this."))


class ConcurrentEdit(DomainError):
    code = "concurrent_edit"
    status = 409

    def default_message(self) -> str:
        return str(
            _(
                "Someone else changed this record while you were editing it. Reload it and apply your change again."
            )
        )


class IllegalTransition(DomainError):
    code = "illegal_transition"
    status = 409
