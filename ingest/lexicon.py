"""A corpus's own words, learned from its text at ingest: unsupervised new-word discovery.

jieba's dictionary is general vocabulary. A corpus has its own terms (a reform's coined name, a place, a person,
a species) that jieba cuts into pieces, so a question's term and the document's are matched piece by piece or not
at all. Instead of a hand-written word list of one corpus, each index learns its words from its own chunks, the
way of new-word discovery in unsegmented Chinese text (frequency, internal cohesion by pointwise mutual
information and boundary freedom by the entropy of the neighbouring characters; Matrix67, 《互联网时代的社会语言学：
基于SNS的文本数据挖掘》, 2012; Huang & Powers' and Sproat & Shih's association measures before it):

- a candidate is a run of 2 to MAX_LEN Chinese characters that occurs at least MIN_COUNT times and is no word of
  jieba's dictionary;
- cohesion: for every way of cutting it in two, log P(w) / (P(left) P(right)) ≥ MIN_PMI (natural log, character
  n-gram probabilities), so its parts occur together far more often than by chance;
- freedom: the entropy (nats) of the characters before it and of those after it are both ≥ MIN_ENTROPY, so it is
  used in varied contexts, not a piece of a longer word: a digit and a Latin letter count as one neighbour each
  ("月至" of 5月至6月 is always after a digit: not free), and each punctuation mark as itself (a clause repeated
  word for word, always before 。, is not free), but a quotation mark, a bracket or a space, like the start or end
  of a text, as a new one each time (it delimits a term: “强镇扩权” is free on both sides);
- it does not cut across a word jieba's dictionary knows: in at least half of its occurrences jieba's general
  segmentation has a word boundary at both its ends ("业发展" of 农业|发展, "委书记" of 市委|书记 are pieces);
- it is no phrase of dictionary words (经济发展 = 经济 + 发展, which jieba already cuts into words of its own);
- neither end is a function character (a one-character stop word: 的, 了, 是, 在…), and no longer candidate
  contains a shorter one of four characters or more ("蓝鹊联办改革" is 蓝鹊联办 + 改革, a phrase, not a word).

Two discovered words of four characters that are each other's halves swapped (扩权强镇 / 强镇扩权) are word-order
variants of one term: the rarer order is folded to the more frequent for matching. (Both must be words of the
corpus: a swapped pair that is no word, 合作国际 in 经贸合作国际论坛, is never rewritten.)

The learned lexicon is stored with the index's BM25 cache (ingest.store.BM25Index) and made the tokenizer's while
that index is in use (ingest.tokenize.use_lexicon)."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import accumulate

from ingest.normalize import normalize

MAX_LEN = 6  # characters: longer terms are phrases of discovered words
MIN_COUNT = 3  # occurrences in the corpus: a word seen twice is not yet a word of the corpus
MIN_PMI = 3.0  # nats: the parts occur together e^3 ≈ 20 times more often than by chance
MIN_ENTROPY = 1.5  # nats: as free as ~4.5 equally likely neighbours on each side
MIN_ALIGNED = 0.5  # share of its occurrences where it starts and ends on jieba's own word boundaries
METHOD = f"v2 len{MAX_LEN} count{MIN_COUNT} pmi{MIN_PMI} entropy{MIN_ENTROPY} aligned{MIN_ALIGNED}"
"""How a lexicon was learned (bump the version when the learning code changes): a saved lexicon learned otherwise
is learned again (ingest.store.BM25Index.derive)."""
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Lexicon:
    """Learned words: (word, count in the corpus), and word-order variants (variant, canonical).
    `corpus_chars` is the number of Chinese characters the counts come from."""

    words: tuple[tuple[str, int], ...] = ()
    variants: tuple[tuple[str, str], ...] = ()
    corpus_chars: int = 0
    method: str = ""  # METHOD when learned; "" for EMPTY
    key: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.key:
            h = hashlib.sha1(json.dumps([self.words, self.variants, self.corpus_chars]).encode()).hexdigest()[:12]
            object.__setattr__(self, "key", h)

    def to_json(self) -> str:
        return json.dumps({"words": self.words, "variants": self.variants, "corpus_chars": self.corpus_chars,
                           "method": self.method}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Lexicon:
        """Raises ValueError (json.JSONDecodeError) or KeyError on a damaged file."""
        d = json.loads(text)
        return cls(tuple((w, int(c)) for w, c in d["words"]), tuple((v, c) for v, c in d["variants"]),
                   int(d["corpus_chars"]), d.get("method", ""))


EMPTY = Lexicon()


_DELIMITERS = frozenset("“”‘’\"'《》〈〉「」『』（）()[]【】 \t\n\r\u3000")


def _neighbour(ch: str, edge: int) -> str:
    """A neighbouring character's class: a Chinese character or a punctuation mark is itself; digits are one
    neighbour ("0"), Latin letters one ("a"); a quotation mark, a bracket or a space delimits a term, so it is a
    neighbour of its own at each occurrence (`edge`), like the start or end of a text."""
    if ch in _DELIMITERS:
        return f"|{edge}"
    if ch.isdigit():
        return "0"
    if ch.isascii() and ch.isalpha():
        return "a"
    return ch


def _entropy(counts: Counter[str]) -> float:
    total = sum(counts.values())
    return -sum(v / total * math.log(v / total) for v in counts.values())


def learn(texts: Iterable[str], known: dict[str, int], stop_chars: frozenset[str],
          segment: Callable[[str], list[str]]) -> Lexicon:
    """The lexicon of `texts` (whole documents or chunks, any length; normalised here with
    ingest.normalize). `known`: jieba's dictionary (word → frequency), whose words are not learned again;
    `stop_chars`: function characters no word starts or ends with; `segment`: jieba's general segmentation of a
    run of Chinese characters (its words, in order), whose word boundaries a new word must start and end on in
    at least MIN_ALIGNED of its occurrences. Deterministic: the same texts give the same lexicon. Cost: linear
    in the text, ~1.5 s per 100,000 characters on one core."""
    runs = [(text, m.group(), m.start()) for text in map(normalize, texts) for m in _HAN_RUN.finditer(text)]
    counts: Counter[str] = Counter()
    for _text, run, _start in runs:
        n = len(run)
        counts.update(run[i : i + k] for i in range(n) for k in range(1, min(MAX_LEN, n - i) + 1))
    candidates = {w for w, c in counts.items() if len(w) >= 2 and c >= MIN_COUNT and not known.get(w)
                  and w[0] not in stop_chars and w[-1] not in stop_chars
                  and not all(len(p) >= 2 and known.get(p) for p in segment(w))}
    left: dict[str, Counter[str]] = defaultdict(Counter)
    right: dict[str, Counter[str]] = defaultdict(Counter)
    aligned: Counter[str] = Counter()
    edge = 0  # each start or end of a text is a neighbour of its own
    for text, run, start in runs:
        n = len(run)
        bounds: set[int] | None = None
        for i in range(n):
            for k in range(2, min(MAX_LEN, n - i) + 1):
                w = run[i : i + k]
                if w not in candidates:
                    continue
                if bounds is None:
                    bounds = {0, *accumulate(len(piece) for piece in segment(run))}
                aligned[w] += i in bounds and i + k in bounds
                pos = start + i
                edge += 1
                left[w][_neighbour(text[pos - 1], edge) if pos > 0 else f"|{edge}"] += 1
                right[w][_neighbour(text[pos + k], edge) if pos + k < len(text) else f"|{edge}"] += 1
    total = sum(c for w, c in counts.items() if len(w) == 1)
    found: dict[str, int] = {}
    for w in sorted(candidates):
        c = counts[w]
        pmi = min(math.log(c * total / (counts[w[:i]] * counts[w[i:]])) for i in range(1, len(w)))
        if (pmi < MIN_PMI or min(_entropy(left[w]), _entropy(right[w])) < MIN_ENTROPY
                or aligned[w] < MIN_ALIGNED * c):
            continue
        found[w] = c
    long_words = [w for w in found if len(w) >= 4]
    words = {w: c for w, c in found.items() if not any(o != w and o in w for o in long_words)}
    variants: list[tuple[str, str]] = []
    for w in sorted(words):
        swapped = w[2:] + w[:2]
        if len(w) == 4 and swapped != w and swapped in words and (words[swapped], swapped) < (words[w], w):
            variants.append((swapped, w))
    return Lexicon(tuple(sorted(words.items())), tuple(variants), total, METHOD)
