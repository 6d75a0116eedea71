"""A tiny error hierarchy; the API maps it to {"error": {"code", "message"}} with the right status."""

from __future__ import annotations


class RagqaError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class NotReady(RagqaError):
    status, code = 503, "not_ready"


class Unauthorized(RagqaError):
    status, code = 401, "unauthorized"


class Forbidden(RagqaError):
    status, code = 403, "forbidden"


class NotFound(RagqaError):
    status, code = 404, "not_found"


class TooLarge(RagqaError):
    status, code = 413, "too_large"


class UnsupportedMedia(RagqaError):
    status, code = 415, "unsupported_media_type"


class Invalid(RagqaError):
    status, code = 422, "invalid_request"


class RateLimited(RagqaError):
    status, code = 429, "rate_limited"


class Busy(RagqaError):
    status, code = 409, "busy"


class StorageError(RagqaError):
    """A store could not be read or written (Chroma unreachable, disk full, read-only directory).
    The write did not happen; what was answerable before still is."""

    status, code = 503, "storage_unavailable"
