"""The one error hierarchy of ragqa: domain errors only, with no HTTP fields.

Every layer raises these (or subclasses); the HTTP API maps them to a status and an
``{"error": {"code", "message"}}`` envelope in one table (``rag/api/errors.py``), the CLI prints
their message, the chat page shows it. A subclass is answered like its nearest mapped ancestor."""

from __future__ import annotations


class RagqaError(Exception):
    """Base of every expected failure; ``message`` is shown to the caller as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotReady(RagqaError):
    """The service cannot answer yet (no index, stores missing)."""


class IndexNotReady(NotReady):
    """The index is empty or missing: run ``ragqa ingest`` first."""


class Unauthorized(RagqaError):
    """No credentials, or credentials that are invalid or revoked."""


class Forbidden(RagqaError):
    """Valid credentials without the role the action needs."""


class UnsafeBind(RagqaError):
    """The settings would expose the service beyond loopback without API keys."""


class NotFound(RagqaError):
    """The named document (or other object) does not exist."""


class TooLarge(RagqaError):
    """A request body or file over the configured limit."""


class UnsupportedMedia(RagqaError):
    """A file of a type that is not accepted, or whose content cannot be read."""


class LoadError(UnsupportedMedia):
    """A file that cannot be read into text; the message says why (empty, corrupt, encrypted, zip bomb…)."""


class Invalid(RagqaError):
    """A request that is well-formed but not acceptable (empty question, bad file name…)."""


class RateLimited(RagqaError):
    """Too many requests from one caller; ``retry_after`` is the wait in whole seconds."""

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Busy(RagqaError):
    """Another writer holds the index; try again later."""


class IndexBusy(Busy):
    """Another ingest holds the index lock."""


class UpstreamError(RagqaError):
    """The configured LLM (an OpenAI-compatible server) failed or gave an unusable reply."""


class StorageError(RagqaError):
    """A store could not be read or written (Chroma unreachable, disk full, read-only directory).
    The write did not happen; what was answerable before still is."""


class UndecodableText(LoadError):
    """A text file whose encoding cannot be decided with confidence (it is skipped, never stored as mojibake)."""


class ArchiveTooLarge(LoadError):
    """A zip-based file (docx, xlsx, ofd) that unpacks beyond the size limit (a zip bomb)."""


class ConverterMissing(LoadError):
    """A format whose offline converter (catdoc for .doc/.wps) is not installed."""


class KnowledgeBaseExists(Busy):
    """A knowledge base of that name exists already (HTTP 409)."""


class ConfirmationRequired(Invalid):
    """A destructive request (deleting a knowledge base and its documents) was sent without its explicit
    confirmation flag (HTTP 422)."""


class MissingPath(Invalid):
    """A path given to a sync does not exist: nothing is written (a sync would otherwise delete every document
    that was under the mistyped path)."""


class CsrfRefused(Forbidden):
    """A state-changing chat-page request without the page's CSRF token, or with one another page session was
    given (the synchronizer token pattern); nothing was done (HTTP 403, audit outcome ``csrf_refused``)."""
