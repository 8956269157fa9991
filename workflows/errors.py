"""Errors a service function raises; the web layer maps each to its HTTP status."""

from __future__ import annotations


class ServiceError(Exception):
    """Base: a refusal with a code and a message the user can read."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(ServiceError):
    """Does not exist, or the caller may not know it exists."""

    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    """The caller may see it but may not do this."""

    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    """The state changed: the task is no longer open, the instance is not running …"""

    status = 409
    code = "conflict"


class Invalid(ServiceError):
    """The data did not validate; `fields` holds the messages per field."""

    status = 422
    code = "invalid"
