"""Domain errors: every service raises one of these with a Chinese message for the user."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused the request; nothing was changed."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "extra": self.extra}


class ValidationFailed(DomainError):
    """The input is malformed or incomplete."""

    code = "validation_failed"
    http_status = 400


class NotPermitted(DomainError):
    """The user may see the object but not perform this action."""

    code = "not_permitted"
    http_status = 403


class NotFound(DomainError):
    """The object does not exist or is outside the user's units."""

    code = "not_found"
    http_status = 404


class InvalidTransition(DomainError):
    """The case's state does not allow this action."""

    code = "invalid_transition"
    http_status = 409


class VersionConflict(DomainError):
    """Someone else changed the object after the user loaded it."""

    code = "version_conflict"
    http_status = 409


class DeadlineExpired(DomainError):
    """The time limit for this action has passed."""

    code = "deadline_expired"
    http_status = 409


def refuse(refusal: DomainError | None) -> None:
    """Raise the refusal a rule returned (its `*_refusal` predicate), if there is one."""
    if refusal is not None:
        raise refusal
