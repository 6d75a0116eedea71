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


# --- ingest: files that cannot be read (issue 15) -----------------------------------------------
class LoadError(UnsupportedMedia):
    """A file that cannot be ingested; the message is the reason shown in the ingest summary."""


class UndecodableText(LoadError):
    """A text file whose encoding cannot be decided with confidence (it is skipped, never stored as mojibake)."""


class ArchiveTooLarge(LoadError):
    """A zip-based file (docx, xlsx, ofd) that unpacks beyond the size limit (a zip bomb)."""


class ConverterMissing(LoadError):
    """A format whose offline converter (catdoc for .doc/.wps) is not installed."""
