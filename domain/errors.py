"""The one error family of vledger. Each error says what was expected and what was found.

Messages never carry an ID number or a phone number: callers name the field, not its value.
"""

from __future__ import annotations


class VledgerError(Exception):
    """Root of every error vledger raises on purpose."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class LogIntegrityError(VledgerError):
    """The log contradicts itself: a stored event fails its signature or the rules that bind it to its place.
    Reading stops rather than trusting it; `vledger audit` names every such event (HTTP 503)."""

    code = "log_integrity"


class InvalidFieldError(VledgerError):
    """A field of a command has a value the rules do not accept (HTTP 422)."""

    code = "invalid_field"

    def __init__(self, field: str, message: str, *, code: str | None = None) -> None:
        super().__init__(f"{field}: {message}", code=code)
        self.field = field


class RuleViolationError(VledgerError):
    """A command breaks a rule of the regulations (HTTP 422); ``code`` names the rule."""

    code = "rule_violation"


class NotFoundError(VledgerError):
    """The thing asked for does not exist (HTTP 404)."""

    code = "not_found"


class ConflictError(VledgerError):
    """The command conflicts with the current state (HTTP 409)."""

    code = "conflict"


class AuthenticationError(VledgerError):
    """No valid bearer token (HTTP 401)."""

    code = "unauthenticated"


class ForbiddenError(VledgerError):
    """A valid token without the right to this resource (HTTP 403)."""

    code = "forbidden"
