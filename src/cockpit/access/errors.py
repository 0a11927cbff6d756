"""The one refusal every room raises and the web layer answers as ``{code, message, field}``."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with an HTTP status, a stable code, a message for people and the field at fault.

    Rooms raise it (or a subclass); ``cockpit.web.app`` turns it into one JSON shape.
    """

    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, field: str = "", code: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def body(self) -> dict[str, str]:
        """The answer's JSON: ``{code, message, field}``."""
        return {"code": self.code, "message": self.message, "field": self.field}


class NotSignedIn(DomainError):
    """No principal: pages redirect to the sign-in page, the API answers 401."""

    status = 401
    code = "not_signed_in"


class Forbidden(DomainError):
    """A principal whose role, district or registry id does not allow this."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Invalid(DomainError):
    status = 422
    code = "invalid"
