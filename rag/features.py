"""Candidate answers and their features, for the learned answer scorer (rag/models/answer_model.json).

A candidate is one sentence of a retrieved chunk, or two adjacent sentences of it (an answer may span them).
Its features are general (no word of any corpus): lexical match with the question at sentence and chunk level
(IDF-weighted words, character bigrams), the retriever's fused/BM25/dense scores, whether the sentence holds the
kind of answer asked for (a number with the asked unit, a date, a list, a reason, a definition of the term),
where it stands (after a matching heading, first in its document), and its length. All text is compared in the
normal form of ingest.normalize.

`logistic(x)` and `LogisticModel` are the small linear model both the answer scorer and the answerability
score use; weights are learned by eval/train.py (`make train`)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import RagqaError
from core.text import SENTENCE_END_CHARS
from ingest.chunk import sentence_spans
from ingest.normalize import normalize
from ingest.tokenize import common_word, lexical_cache, tokenize, words
from ingest.tokenize import synonyms as _synonyms
from rag.question import Question, figure_beside, figure_words, quoted_terms, unit_pattern

MODEL_PATH = Path(__file__).parent / "models" / "answer_model.json"
MAX_PAIR_CHARS = 160  # two adjacent sentences are one candidate up to this length
MIN_SENTENCE_CHARS = 4
SYNONYM_WEIGHT = 0.5  # a question word found only as a synonym (同义词词林) counts half

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DATE = re.compile(r"(1[5-9]|20)\d{2}年|\d{1,2}月\d{1,2}日|\d{1,2}月|(1[5-9]|20)\d{2}")
_LIST = re.compile(r"[、；;]")
_RATE = re.compile(r"\d(?:\.\d+)?\s*%|百分点|[一二三四五六七八九]成")
_AMOUNT = re.compile(r"\d(?:\.\d+)?\s*(?!%)[\u4e00-\u9fff]")
# a question about a rate or a change (rag.answer has its own narrower _RATE_Q: a rate alone)
_RATE_OR_CHANGE_Q = re.compile(r"增长|增幅|下降|比例|比重|占|率|百分")
_CAUSE = re.compile(r"因为|由于|导致|原因|所以|因此|从而|造成|以至于|为了|目的|旨在")
_QUESTION_END = ("?", "？")
# a heading line without a numbering: a short line of its own opened by a dash ("——上热下冷。"), the way a
# sub-heading is set off in Chinese prose (GB/T 15834-2011, 破折号: 标示副标题)
_HEADING_LINE = re.compile(r"(?<![^\n])\s*[—─]{1,2}[^\n]{2,28}\n")


class ModelMissing(RagqaError):
    """The learned answer model file is missing or unreadable: run `make train`."""


@dataclass
class Candidate:
    n: int  # context number, 1-based
    hit: Any  # rag.retrieve.Hit
    start: int  # offsets inside the chunk text
    end: int
    sentences: int  # 1 or 2
    norm: str  # normalised text
    heading: int | None = None  # heading level of its first sentence
    lead: int | None = None  # start of a short heading-like sentence right before it that matches the question
    features: list[float] = field(default_factory=list)
    score: float = 0.0

    @property
    def text(self) -> str:
        return self.hit.chunk.text[self.start : self.end]


FEATURES = (
    "cov", "cov_local", "cov_rel", "bigram", "bigram_rel", "chunk_cov", "fused", "bm25", "dense", "inv_rank",
    "new_words", "restates", "is_question", "heading_like", "log_len", "over_120", "prev_cov", "doc_first", "pair",
    "num_asked_has_num", "num_asked_no_num", "unit_match", "date_asked_has_date", "date_asked_no_date",
    "list_asked_has_list", "why_asked_has_cause", "definition", "year_match", "rate_asked_has_rate",
    "amount_asked_only_rate", "count_match", "heading_cov", "doc_cov", "focus_copula",
    "figure_beside_asked",
)


@lexical_cache(maxsize=50_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """The two-character words inside a compound word (search-mode jieba): "工资福利" → ("工资", "福利"); () for a
    word with none."""
    return tuple(t for t in tokenize(word) if len(t) == 2 and t != word)


def names(text: str, word: str, synonyms: bool = True) -> bool:
    """Whether `text` (normalised) names `word`: the word itself, a synonym (同义词词林; unless `synonyms` is False),
    or every two-character part of a compound the segmenter kept whole ("工资福利" by "工资…，福利…")."""
    if word in text or (synonyms and any(x in text for x in _synonyms(word))):
        return True
    parts = compound_parts(word)
    return bool(parts) and all(p in text for p in parts)


@lexical_cache(maxsize=50_000)
def _word_forms(word: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """A question word's compound parts (`compound_parts`) and synonyms (同义词词林), looked up once per word."""
    return compound_parts(word), _synonyms(word)


def _coverage(weights: dict[str, float], text: str, text_words: frozenset[str]) -> float:
    """The share of the question's word weight that `text` names: a word (or all parts of a compound, `names`)
    counts fully, a synonym only (同义词词林) half (SYNONYM_WEIGHT). 0..1."""
    total = sum(weights.values()) or 1.0
    got = 0.0
    for w, v in weights.items():
        if w in text_words or w in text:
            got += v
            continue
        parts, syns = _word_forms(w)
        if parts and all(p in text for p in parts):
            got += v
        elif any(s in text_words or s in text for s in syns):
            got += SYNONYM_WEIGHT * v
    return got / total


_BRACKETED = re.compile(r"[(（][^()（）]*[)）]")


def names_title(question: str, title: str) -> bool:
    """Whether a question (normalised) names what a document is about: a line of its title (`CandidateBuilder.title`:
    the title and a short first line, normalised), whole, without a bracketed qualifier ("林晚舟(作家)" is named
    by "林晚舟的代表作是什么"). Lines of 2 to 20 characters that are no common word (同义词词林: a title "通知" names
    no subject); a file name ("trial_58") is never in a question."""
    for line in title.split("\n"):
        line = _BRACKETED.sub("", line).strip()
        if 2 <= len(line) <= 20 and line in question and not common_word(line):
            return True
    return False


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


class CandidateBuilder:
    """Candidates of retrieved chunks and their feature vectors; per-chunk work is cached by chunk id."""

    def __init__(self, idf: Any, doc_text: Any = None, cache_size: int = 20_000) -> None:
        """`idf(word)` → weight; `doc_text(doc_id)` → the document's normalised text (title first), or None."""
        self.idf = idf
        self.doc_text = doc_text or (lambda doc_id: "")
        self._chunks: dict[str, list[tuple[int, int, int | None, str, frozenset[str]]]] = {}
        self._titles: dict[str, tuple[str, frozenset[str]]] = {}
        self._cache_size = cache_size

    def sentences(self, chunk: Any) -> list[tuple[int, int, int | None, str, frozenset[str]]]:
        """The chunk's sentences (ingest.chunk.sentence_spans) as (start, end, heading level or None, normalised
        text, words), cached by chunk id."""
        got = self._chunks.get(chunk.chunk_id)
        if got is None:
            got = []
            for s in sentence_spans(chunk.text):
                raw = chunk.text[s.start : s.end]
                got.append((s.start, s.end, s.heading, normalize(raw), frozenset(words(raw))))
            if len(self._chunks) >= self._cache_size:
                self._chunks.pop(next(iter(self._chunks)))
            self._chunks[chunk.chunk_id] = got
        return got

    def title(self, chunk: Any) -> tuple[str, frozenset[str]]:
        """The document's title with its first line (what the document is about), normalised, and its words."""
        got = self._titles.get(chunk.doc_id)
        if got is None:
            lines = self.doc_text(chunk.doc_id).split("\n", 2)  # [title, first line, rest] (rag.retrieve.Index)
            first = lines[1] if len(lines) > 1 else ""
            head = chunk.doc_title + ("\n" + first if len(first) <= 20 else "")  # a short first line is a title
            got = self._titles[chunk.doc_id] = (normalize(head), frozenset(words(head)))
        return got

    def build(self, q: Question, hits: list[Any]) -> list[Candidate]:
        """Every candidate of the hits with its feature vector (order of FEATURES)."""
        weights = q.weights(self.idf)
        qbigrams = _bigrams(q.content)
        qwords = set(weights)
        asked = figure_words(q.norm, q.attribute, q.noun) if q.what == "number" else ()
        cands: list[Candidate] = []
        doc_covs: dict[str, float] = {}
        for n, hit in enumerate(hits, start=1):
            sents = self.sentences(hit.chunk)
            title, title_words = self.title(hit.chunk)
            local = {w: v * (0.1 if w in title_words or w in title else 1.0) for w, v in weights.items()}
            chunk_words = frozenset().union(title_words, *(s[4] for s in sents)) if sents else title_words
            chunk_cov = _coverage(weights, title + "\n" + normalize(hit.chunk.text), chunk_words)
            if hit.chunk.doc_id not in doc_covs:
                doc = self.doc_text(hit.chunk.doc_id)
                doc_covs[hit.chunk.doc_id] = _coverage(weights, doc, frozenset()) if doc else chunk_cov
            doc_cov = doc_covs[hit.chunk.doc_id]
            prev_cov = 0.0
            prev: tuple[int, int, int | None, str, frozenset[str]] | None = None
            prev_heading = False
            heading_cov = 0.0  # the question's coverage by the nearest heading line before the sentence, in its chunk
            for i, (a, b, heading, norm, sw) in enumerate(sents):
                cov = _coverage(local, norm, sw)
                spans = [(a, b, norm, sw, 1)]
                # two sentences of one paragraph (no line break between them, neither a heading) are one candidate
                if (i + 1 < len(sents) and sents[i + 1][0] - b <= 2 and sents[i + 1][1] - a <= MAX_PAIR_CHARS
                        and "\n" not in hit.chunk.text[b : sents[i + 1][0]] and heading is None
                        and sents[i + 1][2] is None):
                    nxt = sents[i + 1]
                    spans.append((a, nxt[1], norm + nxt[3], sw | nxt[4], 2))
                for start, end, text, tw, k in spans:
                    if len(text) < MIN_SENTENCE_CHARS:
                        continue
                    # (an item of the same numbering as the one before it is its sibling, not under it: "1.…" does
                    # not lead "2.…")
                    lead = (prev[0] if prev is not None and prev_heading and prev_cov > 0 and a - prev[1] <= 2
                            and (heading is None or prev[2] != heading) else None)
                    c = Candidate(n, hit, start, end, k, text, heading, lead)
                    c.features = self._features(q, c, text, tw, local, weights, qwords, qbigrams, chunk_cov,
                                                prev_cov, hit, n, first=(hit.chunk.seq == 0 and i == 0))
                    c.features.append(heading_cov)
                    c.features.append(doc_cov)
                    # "…的目标是什么" answered by "其目标是…": the asked noun followed by a copula (not a colon title)
                    c.features.append(1.0 if q.focus and re.search(
                        re.escape(q.focus) + r"[^,，。;；:：]{0,2}?(?:是|为|在于|包括|主要有)", text) else 0.0)
                    # a number question: a figure stated beside the word it is asked for ("贷款3200万元", "高约90米")
                    c.features.append(1.0 if asked and figure_beside(text, asked) else 0.0)
                    cands.append(c)
                prev_cov = cov
                prev = (a, b, heading, norm, sw)
                # a heading: 公文 numbering, or a short line without sentence-end punctuation
                # (or a dash-led line of its own, "——上热下冷。")
                line = _HEADING_LINE.match(hit.chunk.text, a) is not None
                prev_heading = (heading is not None or line
                                or (len(norm) <= 30 and not norm.endswith(tuple(SENTENCE_END_CHARS))))
                if heading is not None or line:
                    heading_cov = cov
        if cands:  # relative features: how this candidate compares with the best of the question's candidates
            top_cov = max(c.features[0] for c in cands) or 1.0
            top_bi = max(c.features[3] for c in cands) or 1.0
            for c in cands:
                c.features[2] = c.features[0] / top_cov
                c.features[4] = c.features[3] / top_bi
        return cands

    def _features(self, q: Question, c: Candidate, text: str, tw: frozenset[str], local: dict[str, float],
                  weights: dict[str, float], qwords: set[str], qbigrams: set[str], chunk_cov: float,
                  prev_cov: float, hit: Any, n: int, first: bool) -> list[float]:
        cov = _coverage(weights, text, tw)
        cov_local = _coverage(local, text, tw)
        bigram = len(qbigrams & _bigrams(text)) / (len(qbigrams) or 1)
        # (a word of a term the question quotes whole, 两头 of “两头热中间冷”, is the question's too)
        quoted = [t for t in quoted_terms(q.norm) if t in qwords]
        own = [w for w in tw if w not in qwords and not any(w in t for t in quoted)]
        has_num = bool(_NUMBER.search(text))
        has_date = bool(_DATE.search(text))
        unit_match = 0.0
        if q.unit:
            # the unit after the figure, or in a table cell's header before it ("投资额(万元):1200")
            unit_match = 1.0 if unit_pattern(q.unit, q.ordinal).search(text) else 0.0
        definition = 0.0
        if q.term:
            t = normalize(q.term)
            definition = 1.0 if re.search(rf"所谓“?{re.escape(t)}|{re.escape(t)}”?(?:就?是指|指的?是|就是|即|是)", text) else 0.0
        year_match = 0.0
        if q.years:
            year_match = 1.0 if any(y in text for y in q.years) else 0.0
        length = len(text)
        rate_q = bool(_RATE_OR_CHANGE_Q.search(q.norm))
        has_rate = bool(_RATE.search(text))
        only_rate = has_rate and not _AMOUNT.search(text)
        return [
            cov, cov_local, 0.0, bigram, 0.0, chunk_cov, hit.score, hit.bm25, hit.dense, 1.0 / n,
            min(len(own), 10) / 10, 1.0 if len(own) <= 1 else 0.0,
            1.0 if text.rstrip("”’)）").endswith(_QUESTION_END) else 0.0,
            1.0 if c.heading is not None or (length <= 30 and not text.endswith(tuple(SENTENCE_END_CHARS))) else 0.0,
            math.log(1 + length) / 5, 1.0 if length > 120 else 0.0, prev_cov, 1.0 if first else 0.0,
            1.0 if c.sentences == 2 else 0.0,
            1.0 if q.what == "number" and has_num else 0.0,
            1.0 if q.what == "number" and not has_num else 0.0,
            unit_match,
            1.0 if q.what == "date" and has_date else 0.0,
            1.0 if q.what == "date" and not has_date else 0.0,
            1.0 if q.what == "list" and len(_LIST.findall(text)) >= 2 else 0.0,
            1.0 if q.what == "explain" and _CAUSE.search(text) else 0.0,
            definition, year_match,
            1.0 if q.what == "number" and rate_q and has_rate else 0.0,
            1.0 if q.what == "number" and not rate_q and only_rate else 0.0,
            1.0 if q.count and _items(text) == q.count else 0.0,
        ]


def _items(text: str) -> int:
    """How many items a sentence enumerates: its 、；; separated parts after any item marker ("四是…", "（一）"):
    "四是下放旅馆业、印章刻制业许可" → 2, "A、B、C和D" → 4; 1 for a sentence listing nothing. What is in brackets is
    an aside, not an item ("（记者甲、通讯员乙）" of a news byline lists nothing the sentence states)."""
    body = re.sub(r"^\s*(?:[一二三四五六七八九十]+[是、]|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、．])", "", text)
    parts = _LIST.split(_BRACKETED.sub("", body))
    # the last item is often joined by 和/及 ("A、B和C"): one more
    return len(parts) + (1 if len(parts) > 1 and re.search(r"[和及]", parts[-1]) else 0)


def logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


@dataclass
class LogisticModel:
    """A standardised logistic regression: p = σ(((x − mean) / scale) · w + b)."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float

    def logit(self, x: np.ndarray) -> np.ndarray:
        z = (np.asarray(x, dtype=float) - np.asarray(self.mean)) / np.asarray(self.scale)
        return z @ np.asarray(self.weights) + self.bias

    def prob(self, x: np.ndarray) -> np.ndarray:
        return logistic(self.logit(x))

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, names: list[str], l2: float = 1.0, iters: int = 50,
            sample_weight: np.ndarray | None = None) -> LogisticModel:
        """Newton's method on the L2-penalised log-loss (bias not penalised)."""
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        mean, scale = X.mean(0), X.std(0)
        scale[scale == 0] = 1.0
        Z = np.hstack([(X - mean) / scale, np.ones((len(X), 1))])
        w = np.zeros(Z.shape[1])
        reg = np.full(Z.shape[1], l2)
        reg[-1] = 0.0
        for _ in range(iters):
            p = logistic(Z @ w)
            grad = Z.T @ (sw * (p - y)) + reg * w
            H = (Z * (sw * p * (1 - p))[:, None]).T @ Z + np.diag(reg) + 1e-9 * np.eye(len(w))
            step = np.linalg.solve(H, grad)
            w -= step
            if np.abs(step).max() < 1e-6:
                break
        return cls(list(names), mean.tolist(), scale.tolist(), w[:-1].tolist(), float(w[-1]))

    @classmethod
    def fit_listwise(cls, groups: list[tuple[np.ndarray, np.ndarray, float]], names: list[str],
                     l2: float = 3.0) -> LogisticModel:
        """A ranking model over the candidates of each question, calibrated to probabilities.

        groups: per question (X of shape (n, len(names)), y of n 0/1 labels with at least one 1, the question's
        weight). The weights maximise the L2-penalised log-likelihood of the conditional logit (a softmax over
        the candidates of one question, the probability of the correct ones summed: the listwise loss of
        "ListNet"/conditional logit, Cao et al. 2007; McFadden 1974), which trains the choice of one candidate
        per question directly, unlike a per-candidate log-loss. Scores are then mapped to probabilities by
        Platt scaling (Platt 1999): a one-feature logistic regression of the label on the score over all
        candidates, so that `prob` reads as the chance that a candidate holds the answer. Optimiser: scipy's
        L-BFGS-B. Raises ValueError on an empty `groups`."""
        from scipy.optimize import minimize

        if not groups:
            raise ValueError("no question to learn from")
        X = np.vstack([g[0] for g in groups]).astype(float)
        mean, scale = X.mean(0), X.std(0)
        scale[scale == 0] = 1.0
        data = [((np.asarray(x, dtype=float) - mean) / scale, np.asarray(y) > 0, float(wt)) for x, y, wt in groups]

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            total, grad = 0.0, np.zeros_like(w)
            for Z, y, wt in data:
                s = Z @ w
                e = np.exp(s - s.max())
                all_, pos = e.sum(), e[y].sum()
                total -= wt * (math.log(pos) - math.log(all_))
                grad -= wt * ((e[y][:, None] * Z[y]).sum(0) / pos - (e[:, None] * Z).sum(0) / all_)
            return total + 0.5 * l2 * float(w @ w), grad + l2 * w

        w = minimize(loss, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B").x
        scores = np.concatenate([Z @ w for Z, _, _ in data])[:, None]
        labels = np.concatenate([y for _, y, _ in data]).astype(float)
        sw = np.concatenate([np.full(len(y), wt / len(y)) for _, y, wt in data]) * len(data)
        platt = cls.fit(scores, labels, ["score"], l2=0.0, sample_weight=sw)
        a = platt.weights[0] / platt.scale[0]
        return cls(list(names), mean.tolist(), scale.tolist(), (a * w).tolist(),
                   float(platt.bias - a * platt.mean[0]))

    def to_json(self) -> dict[str, Any]:
        return {"features": self.features, "mean": self.mean, "scale": self.scale, "weights": self.weights,
                "bias": self.bias}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> LogisticModel:
        return cls(d["features"], d["mean"], d["scale"], d["weights"], d["bias"])


def load_models(path: Path = MODEL_PATH) -> dict[str, Any]:
    """{'answer': LogisticModel, 'answerable': LogisticModel, 'threshold': float, ...} from the model file.
    Raises ModelMissing when the file is absent or malformed."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        return {**d, "answer": LogisticModel.from_json(d["answer"]),
                "answerable": LogisticModel.from_json(d["answerable"])}
    except (OSError, KeyError, ValueError) as e:
        raise ModelMissing(f"answer model {path} unreadable ({e}): run `make train`") from e
