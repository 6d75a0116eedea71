"""The Answerer interface and the extractive default (the LLM answerer is in rag/llm.py).

The extractive answerer quotes the retrieved sentence (or two adjacent sentences) that a learned scorer ranks
first among those that meet the question's constraints, and states how likely the question is answerable:
1. candidates and their features: rag.features (sentences and adjacent pairs of the retrieved chunks);
2. scores: a logistic regression learned by `make train` (rag/models/answer_model.json, with its provenance);
3. constraints checked before answering (CONSTRAINTS): a year or a part of a year (a quarter, a half) the
   question names must be that of the quoted fact (a year named alone asks the whole year's figure); a place/person/organisation it names must be named by the quoted passage or its document; a number asked
   with a unit must come with that unit, a number/rate/date asked needs a figure/rate/date, and the noun of
   多少名河长 and the attribute of "…的常住人口是多少" must be in the quote (the attribute: in its chunk). No candidate
   meets them → "not found"; "哪个镇…" needs a passage naming a place of that unit;
4. the answer is completed from the document's structure: a lead-in or heading is continued by its body, a list
   item by the following items of the same list, and a comparison gets the best candidate of each of its parts;
5. `Draft.support` is the calibrated answerability probability; the engine abstains below the model's
   threshold (chosen for a stated false-abstention rate on the training data)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from core.text import NOT_FOUND, SENTENCE_END_CHARS, TABLE_CELL_SEP
from ingest.headings import ITEM_LEVEL, heading_level, heading_name, issue_date, list_lead_in
from ingest.normalize import MEASURE_CHARS, normalize
from ingest.tokenize import (
    PLACE_UNIT_END,
    brand_and_trades,
    brand_trade_pairs,
    common_word,
    entities,
    lexical_cache,
    modifier_ending,
    normalize_variants,
    nouns,
    subject_phrase,
    synonyms,
    trailing_noun_phrase,
    unit_places,
    words,
)
from rag.extreme import (
    Superlative,
    by_value,
    document_statements,
    extreme_statements,
    states_superlative,
    superlative,
)
from rag.features import (
    FEATURES,
    Candidate,
    CandidateBuilder,
    compound_parts,
    load_models,
    names,
    names_title,
)
from rag.question import (
    DAY_Q,
    GRADE,
    ISSUE_VERBS,
    PLACE_UNITS,
    RATE_WORD,
    WHICH_SUPERLATIVE,
    WHOLE_PLACE,
    Question,
    analyse,
    another_role,
    asked_slot,
    asked_years,
    asks_issue_date,
    attribute_modifiers,
    attribute_nouns,
    attribute_words,
    name_stem,
    names_slot,
    next_item,
    numbered_names,
    part_question,
    periods,
    plan_documents,
    quoted_terms,
    split_questions,
    states_dimension,
    unit_pattern,
    year_change_parts,
)
from rag.retrieve import Hit, Index

__all__ = ["NOT_FOUND", "Answerer", "Draft", "Evidence", "ExtractiveAnswerer"]

MAX_LIST_ITEMS = 4  # further items of a list quoted after the best one
ITEM_BODY_CHARS = 60  # a further item is quoted with the rest of its line up to this many characters
MAX_DOCUMENTS = 3  # documents quoted at most for a question across documents ("各地…", "…分别…")
# the length budget of an answer quoting a heading's body (characters): issue 13's mean-answer limit (≤ 120)
ANSWER_CHARS = 120
CONSTRAINTS = ("year", "period", "entity", "unit", "figure", "attribute", "place")
ANSWERABILITY_FEATURES = (
    "best_logit", "top_logit", "margin", "best_cov", "best_bigram", "max_chunk_cov", "unknown_share",
    "entity_unknown", "constraint_dropped", "top_fused", "top_dense_raw", "missing_in_chunk", "missing_in_answer",
    "missing_in_doc", "topic_missing",
)
# an administrative unit with a locative ("镇里", "县内") is no name, whatever the POS tagger says
_GENERIC_PLACE = re.compile(r"^[省市县区镇乡村街][里内上中外头]$"
                            # nor is a unit named from where the writer stands ("我国", "我省", "本市")
                            r"|^[我本][国省市县区镇乡村]$")
# a year mentioned only as the base of a comparison ("比2022年增长") is not the year of the fact stated
_COMPARED_YEAR = re.compile(r"(?:比|较|同比|相比|与|和|自|从)\s*((?:1[5-9]|20)\d{2})\s*年?")
_YEAR = re.compile(r"(?<!\d)((?:1[5-9]|20)\d{2})(?!\d)")
# the kind of a body, after its name: 某某公司, 某某科技有限公司, 某某集团, 某某银行, 某某大学 (jieba tags such names
# plain nouns); a company's short name is its brand and its trade (某某科技)
_BODY_KIND = re.compile(r"(?:(?:科技|控股|实业|股份)(?:有限)?|有限)?(?:公司|集团)|科技|控股|银行|大学|学院|医院|研究院"
                        r"|研究所|协会")
# a body's registered name ends in its legal form: what stands before it (brand, trade, "发展") is read for trade words
_REGISTERED = re.compile(r"([\u4e00-\u9fff]{2,12}?)(?:集团股份有限公司|集团有限公司|股份有限公司|有限责任公司|有限公司|股份公司|集团)")
_PLACE_UNIT_CHARS = frozenset(PLACE_UNITS + "街")  # ... and 街 (a 街道): a place before a trade word
# ... and what no name ends with: classifiers, particles, prepositions, pronouns, question words
_NOT_A_NAME_END = frozenset("家所个名位座类种些们他的地是为由于在和与及跟同对向从被把该此这那本其各某每哪几么少")
_QUESTION_WORD = re.compile(r"哪|什么|多少|几")
# a year stated as such ("2023年", not the figure "1860.25亿")
_STATED_YEAR = re.compile(r"(?<![\d.])((?:1[5-9]|20)\d{2})\s*年")
# a year counted from ("2024年以来", "2023年来"): a stretch of time up to now, not that whole year
_SINCE_YEAR = re.compile(r"(?:1[5-9]|20)\d{2}\s*年\s*(?:以来|来)")
# a year named relative to the year of its text, with its offset ("上年为1420万元", "去年同期", "前年"); not when it is
# only the base of a comparison ("比上年增长", "较去年同期", "与上年相比": the figure stated is the text's own year)
_RELATIVE_YEAR = re.compile(r"(?<![比较与和同])(?:上一?年|去年|前年)")
_YEAR_OFFSET = {"上年": 1, "上一年": 1, "去年": 1, "前年": 2}
# a figure: digits (after normalisation), or a Chinese numeral before a measure word (两个, 几十项)
_FIGURE = re.compile(rf"\d|[一二两三四五六七八九十百千万几]+[{MEASURE_CHARS}]|分之")
_DATE_FIGURE = re.compile(r"\d{2,4}\s*年|\d{1,2}\s*月|世纪|年代|[一二三四五六七八九十]+月")
# a date naming its day: 4月8日, 8号, 初八, 十五日, 2024-04-08; not a document's number (「〔2025〕12号」, 「[2024]3号」)
# nor a thing numbered (9号线, 3号楼: the words rag.question reads as no day either)
_DAY_FIGURE = re.compile(r"(?<![\d〕\])])\d{1,2}\s*(?:日|号(?![线楼院文令门窗口机车桥站台]))"
                         r"|[一二三四五六七八九十]{1,3}[日号]|初[一二三四五六七八九十]|\d{4}-\d{1,2}-\d{1,2}")
# (a question asking for a rate or share, rag.question.RATE_WORD, is answered only by one: 30%, 三成, 2个百分点)
_RATE = re.compile(r"%|百分|分之|成(?![为功立员本果熟长])|\d\s*倍")
# a question about a change or share may be answered by a rate alone; an amount is a figure that is no rate
_CHANGE_Q = re.compile(r"增长|增幅|增加|下降|减少|提高|降低|比例|比重|占|率|百分|倍")
_RATE_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|个百分点|倍)|[一二三四五六七八九十百]+分之[一二三四五六七八九十]+|[一二三四五六七八九]成")
_AMOUNT = re.compile(rf"\d|[一二两三四五六七八九十百千万几]+[{MEASURE_CHARS}]")
# figures that are no amount: a year, a date, an article's number ("2023年", "8月1日", "第五条" → "第5条")
_NO_AMOUNT = re.compile(r"(?:1[5-9]|20)\d{2}\s*年|\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|第\s*\d+\s*[条章节款项部分]")
# a rate stating a change ("增长8%", "同比下降2个百分点")
_CHANGE_RATE = re.compile(r"(?:增长|增加|增幅|下降|减少|提高|降低|上升|回落|同比|环比)[^,，。;；]{0,4}?(?:"
                          + _RATE_FIGURE.pattern + ")")
# a change asked by its verb and the figure's question word; a change stated: a verb of change, a comparison
# (同比, 比上年) or the base it is computed from (「…9.5亿元，上年为8.4亿元」). Wider than _STATES_CHANGE, which needs
# the figure after the verb: 「增长了一倍」, 「效率提升约四分之一」 state a change too
_CHANGE_ASKED = re.compile(r"(?:增长|增加|下降|减少|提高|降低|上升|提升|回落)了?(?:多少|几)")
_CHANGE_STATED = re.compile(r"[增减降升]|提高|回落|同比|环比|上年|去年|同期|[比较]\d{4}年|\d{4}年(?:为|是)")
# a sentence drawing a conclusion from the one before it: for a why-question the reason stands before it
_CONSEQUENCE = re.compile(r"\s*(因此|所以|由此|可见|因而|故而|于是)")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
# a list item with a label of its own before a colon: "4.强化保障:…", "（二）资金来源：…"
_ITEM_LABEL = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、是]|[(（][一二三四五六七八九十\d]{1,2}[)）]|\d{1,2}[.、．](?!\d))\s*"
                         r"(?P<label>[^:：。;；,，]{2,24})[:：]")
# the first item of a list: 一、 （一） 1. 一是 首先 第一
_FIRST_ITEM = re.compile(r"^\s*(?:一[、是]|[(（]一[)）]|1[.、．](?!\d)|首先|第一)"
                         # or a short lead-in that opens the list in the same sentence: "问题有三:一、…"
                         r"|^[^。;；]{0,20}[:：]\s*(?:一[、是]|[(（]一[)）]|1[.、．](?!\d))")


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
    support: float = 0.0  # calibrated probability that the question is answerable from the evidence (0..1)


class Answerer(Protocol):
    mode: str

    def answer(self, question: str, hits: list[Hit]) -> Draft: ...


def _evidence(c: Candidate) -> Evidence:
    return Evidence(c.n, c.hit, c.start, c.end, c.score, c.lead)


# the table cell separator as it reads in normalised text (NFKC folds the full-width ｜ to |)
_CELL_SEP = normalize(TABLE_CELL_SEP)


def _about_another_place(question: str, places: frozenset[str], quote: str) -> bool:
    """Whether `quote` is a table row (cells joined by core.text.TABLE_CELL_SEP) whose first cell names another
    place (of the unit asked or another: 镇, 乡, 街道…), and which does not name the asked place: "村名：东村｜…人均收入：…" for
    "西村的人均收入是多少", and "乡镇：白马镇｜…" for "白马乡…" (a namesake of another unit, rag.answer._place_named).
    A row's first cell is its subject; prose naming several places is left to the
    document-level check."""
    if _CELL_SEP not in quote:
        return False
    first = quote.split(_CELL_SEP, 1)[0].strip()
    subject = first.split("：", 1)[-1].split(":", 1)[-1].strip()
    for place in places:
        at = question.find(place)
        unit = place[-1] if place[-1] in PLACE_UNITS else (
            question[at + len(place)] if 0 <= at and at + len(place) < len(question) else "")
        # (a row of a place of another unit is about that place too: 东湖街道's row of a county's table of its
        # towns is no figure of the county)
        # (the asked place is not named by a row of its namesake of another unit: 白马镇's row names no 白马乡)
        if unit in PLACE_UNITS and not _place_named(quote, name_stem(place), unit) and (
                (subject.endswith(unit) and len(subject) >= 2)
                or (subject.endswith((*PLACE_UNITS, "街道")) and len(subject) >= 3)):
            return True
    return False


# a change stated with its figure ("同比增长7.1%", "增加3家"), or the figure of the year before ("上年为8.4亿元")
_STATES_CHANGE = re.compile(r"(?:增长|增加|提高|提升|下降|减少|降低|增|减)了?\s*(?:约|近|超过)?\d|(?:上年|去年|上一年)(?:同期)?(?:为|是)\d")
_CLAUSE_END = re.compile(r"[。；;！？!?\n]")


def _names_grades(q: Question, text: str) -> bool:
    """Whether `text` (normalised) names every grade or class the question names (GRADE)."""
    return all(g in text for g in GRADE.findall(q.norm))


_RATE_AFTER = re.compile(r"[\d.]+\s*(?:%|％|个百分点)")
# a change asked as an amount by its verb: 增加/减少 (多少家, 多少亿元), not 增长/下降 (which reports state as rates);
# narrower than rag.question._CHANGE_AMOUNT_Q, which takes any change verb not asking a rate
_AMOUNT_VERB_Q = re.compile(r"(?:增加|减少|多|少)了?(?:多少|几)")


def _states_change(text: str, attribute: str, amount: bool = False) -> bool:
    """Whether `text` (normalised) states a change (_STATES_CHANGE) in a clause that names `attribute` before it:
    "完成一般公共预算收入1.53亿元,增长7.7%" states one of 一般公共预算收入; "实现地区生产总值27.9亿元,同比增长5.7%。完成一般
    公共预算收入2.21亿元" does not (the growth is the 地区生产总值's). Clauses end at 。；!? and line ends (a comma
    keeps a figure and its change together). Any stated change counts when `attribute` is "". `amount`: only a
    change stated as an amount counts ("增加3家", "上年为12家"; not "同比增长6.8%")."""
    for clause in _CLAUSE_END.split(text):
        for m in _STATES_CHANGE.finditer(clause):
            if attribute and attribute not in clause[: m.start()]:
                continue
            if amount and _RATE_AFTER.match(clause, m.end() - 1):
                continue
            return True
    return False


# a table cell as the row text writes it: its column's name (no clause end before it) and its value
_CELL = re.compile(r"([^\s:：。；;｜|]{1,12})[:：]([^｜|:：]*)")


def _cells(row: str) -> dict[str, str]:
    """A table row's cells (normalised text, cells joined by core.text.TABLE_CELL_SEP, each "column：value"), column
    → value; text before the first cell (a lead-in quoted with the row) is left out."""
    out: dict[str, str] = {}
    for cell in row.split(_CELL_SEP):
        found = list(_CELL.finditer(cell))  # the last "column：value" of the cell: a lead-in before it is no column
        if found:
            m = found[-1]
            out.setdefault(m.group(1), m.group(2).strip(" 。"))
    return out


MAX_ROWS = 12  # rows of a table quoted at most for a which-ones question (about two screens of a chat answer)


def _rows_alike(q: Question, best: Candidate, every: list[Candidate]) -> list[Evidence]:
    """For a which-ones question (哪些…) answered by a table row, the other rows of the retrieved table chunks that
    have the value the question names in the same column ("哪些乡镇考核等次是合格": every row whose 等次 is 合格, not
    only the best-scored one), in reading order, at most MAX_ROWS; [] when the row has no such cell. Values of two
    characters or more without digits (one character, 是/否, is named by any question)."""
    asked = {column: value for column, value in _cells(best.norm).items()
             if len(value) >= 2 and not re.search(r"\d", value) and value in q.norm}
    if not asked:
        return []
    rows = [c for c in every if c.sentences == 1 and c is not best and _CELL_SEP in c.norm
            and c.hit.chunk.doc_id == best.hit.chunk.doc_id
            and all(_cells(c.norm).get(column) == value for column, value in asked.items())]
    seen: set[tuple[str, int]] = {(best.hit.chunk.chunk_id, best.start)}
    out = []
    for c in sorted(rows, key=lambda c: (c.hit.chunk.seq, c.start)):
        if (c.hit.chunk.chunk_id, c.start) not in seen and len(out) < MAX_ROWS:
            seen.add((c.hit.chunk.chunk_id, c.start))
            out.append(_evidence(c))
    return out


# a question asking the people of a list: who (谁), which of them (哪几位, 哪些人), the list itself (名单)
_WHO_LISTED = re.compile(r"谁|哪[几一]?位|哪些人|名单")
CAPTION_CHARS = 12  # the longest line read as a caption over a list of names (一等奖, 获奖人员), characters


def _under_caption(q: Question, c: Candidate) -> bool:
    """Whether a candidate is the first numbered line under a caption the question names (a short line with no
    punctuation:
    「一等奖」 of 「焊工项目一等奖是谁」), and the heading over them, if any, is the section the question names: at
    least half of its words (two characters or more) are the question's (「二、焊工项目」, not 「一、电工项目」)."""
    text = c.hit.chunk.text
    before = text[: c.start].rstrip(" \t\u3000")
    level = heading_level(c.text)
    if not before.endswith("\n") or level is None or level <= ITEM_LEVEL + 1:  # (a numbered line: 1. / （1） / ①)
        return False
    caption = before.rstrip().rsplit("\n", 1)[-1].strip()
    if (not caption or len(caption) > CAPTION_CHARS or re.search(r"[，,。；;：:、！？!?\d]", caption)
            or normalize(caption) not in q.norm):
        return False
    # (the heading of the section: 一、 or （一）, not the numbered names of the lists above, 「1.某某」)
    over = next((line for line in reversed(text[: c.start].split("\n"))
                 if (level := heading_level(line)) is not None and level <= ITEM_LEVEL + 1),
                c.hit.chunk.section.split(" > ")[0])
    heading = heading_name(over)
    if not heading:
        return True
    named = [w for w in words(normalize(heading)) if len(w) >= 2]
    return not named or 2 * sum(w in q.norm for w in named) >= len(named)


def _list_end(text: str, start: int) -> int:
    """The end (offset in `text`) of the numbered lines of a list starting at `start` ("1.甲…\n2.乙…"): the
    last line in a row that opens with an item's number (ingest.headings levels deeper than （一）)."""
    end, at = start, start
    while at < len(text):
        stop = text.find("\n", at)
        stop = len(text) if stop < 0 else stop
        line = text[at:stop]
        if not line.strip():
            break
        level = heading_level(line)
        if level is None or level <= ITEM_LEVEL + 1:
            break
        end, at = at + len(line.rstrip()), stop + 1
    return end if end > start else start + len(text[start:].split("\n", 1)[0].rstrip())


def _row_asked(q: Question, c: Candidate) -> bool:
    """Whether a candidate is a table row holding, in one column, a value the question names (two characters or more,
    no digits: "优秀") and, in another, the items the question asks for by that column's header ("乡镇")."""
    cells = _cells(c.norm) if _CELL_SEP in c.norm else {}
    named = [col for col, value in cells.items() if len(value) >= 2 and not re.search(r"\d", value) and value in q.norm]
    return bool(named) and any(col in q.norm for col in cells if col not in named and len(col) >= 2)


def _about_another_row_item(question: str, quote: str, chunk: str) -> bool:
    """Whether table row `quote` is about another item than the question asks: in some column, the question names
    the value another row of its table (`chunk`, normalised) has there, and not this row's value ("松林镇中心小学
    运动场什么时候完工" is not answered by "乡镇：松林镇｜项目名称：集贸市场改造｜…" when a row of the table has
    "项目名称：中心小学运动场"). Values of two characters or more, without digits (a figure is what is asked)."""
    row = _cells(quote)
    if not row:
        return False
    for line in chunk.splitlines():
        if _CELL_SEP not in line:
            continue
        for column, value in _cells(line).items():
            mine = row.get(column)
            if (mine is not None and value != mine and len(value) >= 2 and not re.search(r"\d", value)
                    and value in question and mine not in question):
                return True
    return False


def _masked(text: str, names: tuple[str, ...]) -> str:
    """`text` with each of `names` blanked out (as many spaces: positions kept)."""
    for name in names:
        text = text.replace(name, " " * len(name))
    return text


def _table_caption(text: str, start: int) -> str:
    """The line before the rows of the table whose row starts at `start` in `text` (its caption or lead-in, "各村
    收入情况如下。"); "" when there is none."""
    lines = text[:start].split("\n")
    for line in reversed(lines[:-1] if lines and not lines[-1].strip() else lines):
        if line.strip() and TABLE_CELL_SEP not in line:
            return line
    return ""


def reading_order(chosen: list[Evidence]) -> list[Evidence]:
    """The quoted sentences in the order a reader meets them: documents by their first context number, and inside
    a document by chunk position (``chunk.seq``) and offset, whatever their retrieval rank: a list whose items
    came back in separate chunks reads （一）（二）（三）, not in the order the retriever ranked them."""
    first: dict[str, int] = {}
    for e in chosen:
        first[e.hit.chunk.doc_id] = min(first.get(e.hit.chunk.doc_id, e.n), e.n)
    return sorted(chosen, key=lambda e: (first[e.hit.chunk.doc_id], e.hit.chunk.doc_id, e.hit.chunk.seq, e.start))


def _opens_slot(q: Question, c: Candidate, slot: tuple[str, ...]) -> bool:
    """Whether a candidate opens the body under a heading naming the element of the event asked (`slot`,
    rag.question.asked_slot): the line before it, or the section over the chunk it opens, is a numbered heading
    (一、培训时间) whose words other than the slot's are the question's ("培训" of 「培训班什么时候开始」) or none
    ("一、时间")."""
    text = c.hit.chunk.text
    before = text[: c.start]
    if not before.strip():
        line = c.hit.chunk.section or ""
    elif before.rstrip(" \t\u3000").endswith("\n"):
        line = before.rstrip().rsplit("\n", 1)[-1]
    else:
        return False
    return names_slot(q.norm, line, slot)


class ExtractiveAnswerer:
    """Chooses the sentences of the retrieved chunks that answer the question and cites each.

    `ablate`: names of features (rag.features.FEATURES, set to their training mean) and constraints
    (CONSTRAINTS) switched off, and "issued" (a document's 成文日期 for when it was issued), "extreme" (superlatives
    computed over a document's figures, rag.extreme), "rows" (a which-ones question's other table rows with the
    value it names, _rows_alike), "parts" (comparisons part by part), "years" (another year's figure quoted for a
    question naming no year) or "title" (the title bonus), for the ablation table of the eval report."""

    mode = "extractive"

    def __init__(self, index: Index, max_sentences: int = 2, model_path: Path | None = None,
                 ablate: frozenset[str] = frozenset(), title_weight: float = 0.0) -> None:
        """`title_weight`: added to the logit of every candidate whose document title the question names whole
        (rag.features.names_title; settings.answer_title_weight, chosen on the kits and the gold set)."""
        self.index = index
        self.title_weight = title_weight
        self.max_sentences = max_sentences
        self.builder = CandidateBuilder(index.idf, self._doc)
        self.model_path = model_path
        self.ablate = ablate
        self._models: dict[str, Any] | None = None
        self._doc_norm: dict[str, str] = {}
        self._known_cache: dict[str, bool] = {}
        self._body_cache: dict[tuple[str, str], bool] = {}
        self._chunk_cache: dict[str, str] = {}
        self._kind_cache: dict[tuple[str, str], str] = {}
        self._registered: tuple[frozenset[str], frozenset[str]] | None = None
        self._bodies: dict[str, tuple[str, ...]] = {}
        self._titles: str | None = None
        self._stem_named: dict[str, bool] = {}
        words("预热")  # load jieba and the synonym dictionary now, not on the first question

    @property
    def models(self) -> dict[str, Any]:
        if self._models is None:
            self._models = load_models(self.model_path) if self.model_path else load_models()
        return self._models

    @property
    def threshold(self) -> float:
        """The answerability score below which the engine abstains (stored with the model)."""
        return float(self.models["threshold"])

    def candidates(self, question: str, hits: list[Hit]) -> tuple[Question, list[Candidate]]:
        q = analyse(question)
        return q, self.builder.build(q, hits)

    def _doc(self, doc_id: str) -> str:
        got = self._doc_norm.get(doc_id)
        if got is None:
            got = self._doc_norm[doc_id] = normalize(self.index.doc_text.get(doc_id, ""))
        return got

    def _doc_of_another_body(self, doc_id: str, question: str) -> bool:
        """_body_of_another_place over a whole document (normalised), cached per document and question."""
        key = (doc_id, question)
        got = self._body_cache.get(key)
        if got is None:
            if len(self._body_cache) > 20_000:
                self._body_cache.clear()
            got = self._body_cache[key] = _body_of_another_place(self._doc(doc_id), question)
        return got

    def _names_numbered(self, question: str, number: str, c: Candidate) -> bool:
        """Whether candidate `c` is about the thing `question` (normalised) names by `number` (numbered_names,
        "2号"): its passage or title names it, or its document names it and nothing else numbered with the same
        word after 号 ("6号线" is another thing than "4号线", "6号楼" is not)."""
        named_by = re.compile(rf"(?<![\d.]){re.escape(number)}")
        if named_by.search(c.norm) or named_by.search(normalize(c.hit.chunk.doc_title)):
            return True
        doc = self._doc(c.hit.chunk.doc_id)
        if not named_by.search(doc):
            return False
        at = question.find(number) + len(number)
        kind = question[at : at + 1] if at < len(question) and "\u4e00" <= question[at] <= "\u9fff" else ""
        numbered = {m.group(0) for m in re.finditer(rf"(?<![\d.])\d+号{re.escape(kind)}", doc)}
        return numbered <= {number + kind}

    def _sentences_before(self, c: Candidate, within_chunk: bool = False) -> Iterator[str]:
        """The sentences (normalised) before candidate `c` in its document, nearest first: in its chunk before it,
        then (unless `within_chunk`) the document's earlier chunks (by seq)."""
        chunk = c.hit.chunk
        yield from (s[3] for s in reversed(self.builder.sentences(chunk)) if s[1] <= c.start)
        if within_chunk:
            return
        earlier = sorted((x for x in self.index.by_doc.get(chunk.doc_id, []) if x.seq < chunk.seq),
                         key=lambda x: -x.seq)
        for x in earlier:
            yield from (s[3] for s in reversed(self.builder.sentences(x)))

    def _preceding(self, c: Candidate, stated: Callable[[str], Set[str]]) -> set[str]:
        """What `stated` (normalised sentence → set) finds in the nearest sentence before candidate `c` in its
        document where it finds anything (_sentences_before). Empty when it finds nothing."""
        for sentence in self._sentences_before(c):
            got = stated(sentence)
            if got:
                return set(got)
        return set()

    def _preceding_years(self, c: Candidate) -> set[str]:
        """The years the nearest sentence before candidate `c` states (_stated_years), passing over a base-year
        statement: a sentence stating a figure of a year before its document's one year, right after a sentence of
        that year (「2024年全区实现地区生产总值512.6亿元，比上年增长6.0%。2023年全区地区生产总值为483.9亿元。」 in the 2024
        bulletin gives the earlier year's figure as the base of the change; the sentences after it are of 2024
        again). A heading of an earlier year (「一、2023年工作回顾」) states no figure and still dates what follows.
        Empty when no sentence before states a year."""
        doc_year = _doc_year(c)
        first: set[str] = set()
        for sentence in self._sentences_before(c):
            got = _stated_years(sentence)
            if not got:
                continue
            if first:  # the year-stating sentence before a base-year statement
                return {doc_year} if got == {doc_year} else first
            if not (doc_year and all(y < doc_year for y in got) and _FIGURE.search(_NO_AMOUNT.sub("", sentence))):
                return got
            first = got
        return first

    def _chunk_of_kind(self, attribute: str, chunk: Any) -> str:
        """The chunk's normalised text (with its title) less its sentences about another kind of `attribute`
        (_another_kind_of); computed once per attribute and chunk, not per candidate of the chunk."""
        key = (attribute, chunk.chunk_id)
        got = self._kind_cache.get(key)
        if got is None:
            if len(self._kind_cache) > 20_000:
                self._kind_cache.clear()
            doc = self._doc(chunk.doc_id)
            got = self._kind_cache[key] = "".join(x for x in _SENTENCE_SPLIT.split(self._chunk_norm(chunk))
                                                  if not _another_kind_of(attribute, x, doc))
        return got

    def _figure_sentence_names(self, c: Candidate, attribute: tuple[str, ...]) -> bool:
        """Whether a sentence of the candidate's chunk outside the candidate states a figure (_FIGURE, less years
        and dates) and names every word of `attribute` (synonyms counting)."""
        return any(not (c.start <= start < c.end) and _FIGURE.search(_NO_AMOUNT.sub("", text))
                   and all(names(text, w) for w in attribute)
                   for start, _end, _level, text, _words in self.builder.sentences(c.hit.chunk))

    def _chunk_norm(self, chunk: Any) -> str:
        got = self._chunk_cache.get(chunk.chunk_id)
        if got is None:
            if len(self._chunk_cache) > 20_000:
                self._chunk_cache.clear()
            got = self._chunk_cache[chunk.chunk_id] = normalize(chunk.doc_title + "\n" + chunk.text)
        return got

    def _known(self, word: str) -> bool:
        """Whether some document uses this word or one of its synonyms (an index token, else a substring)."""
        got = self._known_cache.get(word)
        if got is None:
            got = any(self.index._df.get(w, 0) > 0 or self.index.mentions(w) for w in (word, *synonyms(word)))
            if len(self._known_cache) > 50_000:
                self._known_cache.clear()
            self._known_cache[word] = got
        return got

    def _topic_missing(self, q: Question, weights: dict[str, float], cands: list[Candidate]) -> float:
        """1.0 when the question's topic (its rarest noun by IDF, ingest.tokenize.nouns) is in no retrieved chunk,
        not even as a synonym: "网格化管理…是怎样推行的" over chunks that never mention 网格化. Else 0.0."""
        found = [w for w in dict.fromkeys(nouns(q.content)) if w in weights]  # in question order: a tie goes to
        if not found:                                                        # the first, not to set order
            return 0.0
        topic = max(found, key=lambda w: weights[w])
        chunks = {c.hit.chunk.chunk_id: c.hit.chunk for c in cands}.values()
        return 0.0 if any(topic in (t := self._chunk_norm(ch)) or any(x in t for x in synonyms(topic))
                          for ch in chunks) else 1.0

    def _named(self, q: Question) -> list[str]:
        """The names of places, people and bodies in the question: jieba's ns/nr/nt words that are no common word
        (common_word) and no administrative unit with a locative (镇里, 县内) or compound of common words only
        (周边地区, 偏远地区); and a body named before its kind
        (_BODY_KIND: "某某公司" → 某某), which jieba tags as a plain noun; a place jieba cut from its unit that no
        document mentions or a document's title names (ingest.tokenize.unit_places)."""
        # (a "person" jieba tags in four characters or more whose two-character parts are all common words is
        # a phrase misread, 安全|检查, not a name: Chinese personal names are two to three characters)
        misread = {e for e in entities(q.norm, min_len=4, flags=("nr",))
                   if "".join(parts := compound_parts(e)) == e and all(common_word(x) for x in parts)}
        got = [name_stem(self._resegment(e, q.norm)) for e in entities(q.norm, min_len=2)
               if not common_word(e) and not _GENERIC_PLACE.match(e) and not _added_scope(e, q.norm)
               and e not in misread]
        # a place jieba cut from its unit (火星|镇) that no document mentions (a place the documents do not cover,
        # so that no other place's passage answers for it) or that a title names (a place they are about: 青石镇 of
        # "青石镇2023年政府工作报告"), or whose stem the documents use as a place's name (青石乡, named in a county's
        # table: 白沙镇's report does not answer for it; also a stem the dictionaries list as a word, 和平 of 和平镇);
        # a kind of place (试点镇, 重点镇: the documents use 试点 as a word) is left to the scorer
        def add(name: str) -> None:  # a name not already among them, nor part of one
            if name and not any(name in x or x in name for x in got):
                got.append(name)

        for place in unit_places(q.norm):
            stem = name_stem(place)
            if (not self.index.mentions(place) or place in self.titles or self._stem_names_a_place(stem)):
                add(stem)
        # a body named by brand and a trade that the documents' own registered names use (丰禾农业 ← "丰禾农业发展有限
        # 公司"): brand and trade together are the name, so that another trade of the same brand (丰禾食品) or the
        # same trade of another brand (青山农业) is not answered for it. A place before a trade (白沙镇农业) is a
        # place; a common word or a place the documents use but never as a brand (中国, 湖南) qualifies the trade
        trades, brands = self.registered_names
        for brand, trade, flag in brand_trade_pairs(q.norm, trades):
            if brand in trades or brand[-1] in _PLACE_UNIT_CHARS:
                continue
            if brand not in brands and (common_word(brand) or flag.startswith("ns")) and self.index.mentions(brand):
                continue
            body = brand + trade
            got[:] = [x for x in got if x not in body]  # the brand alone, tagged as a name, says less
            add(body)
        for m in _BODY_KIND.finditer(q.norm):
            name = self._body_name(q.norm[max(0, m.start() - 4) : m.start()])
            # a common word before the kind is a name when no document mentions it (星辰科技, 东方集团); one the
            # documents use may be a trade (食品公司), left to the scorer
            if not (common_word(name) and self.index.mentions(name)):
                add(name)
        return got

    def _stem_names_a_place(self, stem: str) -> bool:
        """Whether the documents use `stem` as a place's name: at least half of its occurrences in them are followed
        by an administrative unit (青石 in 青石乡, 青石镇). A kind of place (试点镇, 重点镇) has a stem the documents use
        as a word of its own (试点工作, 改革试点), so it is no name, whatever the dictionaries list. Read once per
        stem and index."""
        got = self._stem_named.get(stem)
        if got is None:
            texts = self.index.doc_text.values()
            total = sum(t.count(stem) for t in texts)
            placed = sum(len(re.findall(re.escape(stem) + rf"[{PLACE_UNITS}街]", t)) for t in texts)
            got = self._stem_named[stem] = total > 0 and 2 * placed >= total
        return got

    @property
    def titles(self) -> str:
        """The documents' titles, normalised, one per line (read once per index): a place a title names
        ("青石镇2023年政府工作报告") is the name of a place the documents are about, not a kind of place (试点镇)."""
        if self._titles is None:
            self._titles = "\n".join(normalize(cs[0].doc_title) for cs in self.index.by_doc.values() if cs)
        return self._titles

    @property
    def registered_names(self) -> tuple[frozenset[str], frozenset[str]]:
        """(trade words, brands) of the documents' registered names, read once per index: the name before each legal
        form (_REGISTERED: 有限公司, 股份有限公司, 集团…; its last 10 characters, "丰禾农业发展" of "丰禾农业发展有限公司"),
        split by ingest.tokenize.brand_and_trades ("丰禾"; "农业"). A trade word names a body in a question
        only beside a brand (`_named`). Cost: one pass over the documents' texts on the first question."""
        if self._registered is None:
            trades: set[str] = set()
            bodies: dict[str, dict[str, None]] = {}
            for text in self.index.doc_text.values():
                for m in _REGISTERED.finditer(text):
                    brand, found = brand_and_trades(m.group(1)[-10:])
                    if brand:
                        bodies.setdefault(brand, {})
                        trades.update(found)
                        if found:
                            bodies[brand][brand + found[0]] = None
            self._registered = (frozenset(trades - set(bodies)), frozenset(bodies))
            self._bodies = {b: tuple(x) for b, x in bodies.items()}
        return self._registered

    @property
    def registered_bodies(self) -> dict[str, tuple[str, ...]]:
        """Brand → the bodies the documents register under it, each as brand and its first trade word, in the order
        first read ("鼎丰" → ("鼎丰食品", "鼎丰建材") for 鼎丰食品有限公司 and 鼎丰建材有限公司); read with
        registered_names."""
        _ = self.registered_names
        return self._bodies

    def part_questions(self, question: str) -> list[str]:
        """The questions that `question` asks one by one, each to be answered alone, or [] for one question:
        - a comparison's parts (rag.question.part_question: "河北和河南…分别…" → "河北…", "河南…");
        - a body named by a brand alone ("鼎丰公司…") that the documents register under two or more trades
          (鼎丰食品有限公司, 鼎丰建材有限公司): one question per body ("鼎丰食品公司…", "鼎丰建材公司…"), so that
          the answer gives each rather than the one the scorer happens to rank first.
        Used by the engine to retrieve for each part and by `answer`."""
        q = analyse(question)
        if len(q.parts) >= 2:
            return [part_question(q.text, part, q.parts) for part in q.parts]
        bodies = self.registered_bodies
        for m in _BODY_KIND.finditer(q.norm):
            brand = self._body_name(q.norm[max(0, m.start() - 4) : m.start()])
            # (a kind that is a trade word too, 科技 of 华盛科技, names one of the bodies)
            if len(bodies.get(brand, ())) >= 2 and not any(body in q.norm for body in bodies[brand]):
                at = m.start() - len(brand)
                return [q.norm[:at] + body + q.norm[m.start():] for body in bodies[brand]]
        return []

    def _body_name(self, before: str) -> str:
        """The name of a body from the (up to 4) characters before its kind: the longest ending of two characters or
        more that a document mentions, else the last two characters (then no document names it). "" when fewer than
        two Chinese characters precede the kind, or they end in a classifier, a particle, a pronoun or a question
        word ("多少家公司", "哪所大学", "是公司", "该公司")."""
        if not before or before[-1] in _NOT_A_NAME_END:  # "多少家公司", "哪所大学", "是公司", "该公司"
            return ""
        endings = [before[i:] for i in range(len(before) - 1)
                   if _HAN_RUN.fullmatch(before[i:]) and not _QUESTION_WORD.search(before[i:])]
        if not endings:
            return ""
        return next((x for x in endings if self.index.mentions(x)), endings[-1])

    def _resegment(self, name: str, text: str) -> str:
        """A name no document mentions, as the documents write it when the segmenter glued a neighbouring
        character to one end (jieba's HMM joins unknown names with their neighbours): without that character,
        extended over up to 3 adjacent characters of the question `text` on the other side, the longest string
        of two characters or more that a document mentions: "周敏史称…" tagged 周敏史 → 周敏; "…红豆杉才可以…"
        tagged 杉才 → 红豆杉 when the documents write "红豆杉". Else the name as it is."""
        if self.index.mentions(name):
            return name
        at = text.find(name)
        if at < 0:
            return name
        end = at + len(name)
        if _PLACE_UNIT_AT.match(text, end):  # a name its administrative unit ends (西湖|街道) is whole
            return name
        for k in range(3, -1, -1):  # the last character dropped, the name extended to the left
            if at - k >= 0 and len(got := text[at - k : end - 1]) >= 2 and _HAN_RUN.fullmatch(got):
                if self.index.mentions(got):
                    return got
        for k in range(3, -1, -1):  # the first character dropped, the name extended to the right
            if len(got := text[at + 1 : end + k]) >= 2 and end + k <= len(text) and _HAN_RUN.fullmatch(got):
                if self.index.mentions(got):
                    return got
        return name

    def _sentence_before(self, c: Candidate) -> str:
        """The sentence (normalised) before candidate `c` in its chunk; "" when it opens its chunk."""
        return next(self._sentences_before(c, within_chunk=True), "")

    def _fact_period(self, q: Question, c: Candidate) -> frozenset[str]:
        """The parts of a year (rag.question.periods tokens: Q1…Q4, H1, H2, Q1-3, Y) the fact a candidate quotes for
        `q` is of: those its sentence names, {"Y"} when it states its own year and no part of it, else those of the
        sentence before it, of its document's text before it, of its document's title; empty when none names one."""
        text, before = _fact_and_before(q, c)
        return (periods(text) or (frozenset({"Y"}) if _stated_years(_SINCE_YEAR.sub("", text)) else frozenset())
                or periods(before) or self._preceding(c, periods) or periods(normalize(c.hit.chunk.doc_title)))

    def _meets(self, q: Question, c: Candidate, named: list[str]) -> bool:
        """The constraints of CONSTRAINTS (those not ablated)."""
        if q.years and "year" not in self.ablate:
            # a base year the question itself names as such ("从1992年起…") may be the candidate's base year too
            # a sentence naming no year states a fact of the year its document last stated before it (「一、2023年
            # 工作回顾」 in the 2024 report heads 2023 figures; "2023年第二季度财报显示…。其中，增值服务业务营收…"),
            # else of its document's year (_doc_years: title, news date); or of the year before (two before) that
            # year, named relative to it ("上年为1420万元" in the 2023 report states a 2022 figure)
            # (a year in a bracketed aside, 「全年签约企业11家（2021年为7家）」, states that year's figure beside the
            # main one: it is a year of the candidate's, not the year of its main fact; and in two sentences, the
            # years are those of the one stating what is asked, _fact_sentence)
            # (of two sentences quoted together, the fact's sentence is preceded by the other first: _fact_and_before)
            text, before = _fact_and_before(q, c)
            aside = set(_YEAR.findall("".join(_ASIDE.findall(text))))
            own = (set(_YEAR.findall(_ASIDE.sub("", text)))
                   - (set(_COMPARED_YEAR.findall(text)) - set(_COMPARED_YEAR.findall(q.norm))))
            fact_years = (own or _stated_years(before) or self._preceding_years(c) or _doc_years(c)) | aside
            asked = asked_years(q.norm, q.years)
            if not fact_years & asked:
                if not relative_years(c.norm, fact_years) & asked:
                    return False
                # a figure of the year before is stated beside what it measures ("净利润2150万元，上年为1420万元"):
                # the sentence naming the relative year names the attribute or the counted noun asked, not another
                # sentence of the passage ("…地区生产总值18.3亿元。财政总收入6850万元，上年为6120万元。" states
                # no 2022 地区生产总值)
                said = [x for x in _SENTENCE_SPLIT.split(c.norm) if relative_years(x, fact_years) & asked]
                if q.attribute and not any(all(names(x, w) for w in attribute_words(q.attribute)) for x in said):
                    return False
                if q.noun and len(q.noun) >= 2 and not any(_names_counted(q.noun, x) for x in said):
                    return False
        # a year asked alone (「2023年地区生产总值是多少」) asks the year's figure: a figure of a named part of it
        # (一季度, 上半年: its sentence's, the sentence before's, its title's) is no answer; a figure of no named
        # part is the year's
        if (q.years and not q.periods and q.what == "number" and "period" not in self.ablate
                and (fact := self._fact_period(q, c)) and "Y" not in fact):
            return False
        if q.periods and "period" not in self.ablate:
            # a part of a year the question names (第二季度, 上半年) must be the part the quoted fact is of: the one its
            # sentence names (not as a comparison's base, "较上季度"), else the one its document last named before it
            # ("发布2024年第一季度报告…。其中，…营业收入为2.4亿元" is a first-quarter figure), else its title's;
            # a figure of no named part (「2023年地区生产总值36.4亿元」) is the year's, no answer about a quarter; a
            # fact of another kind is refused only when it is of another part
            # (two sentences quoted together, one of them of another part, 「前三季度…1.12亿元。全年…1.51亿元。」, give a
            # figure not asked beside the one asked: the sentence alone is quoted)
            if c.sentences == 2 and any((got := periods(x)) and not got & q.periods
                                        for x in _SENTENCE_SPLIT.split(c.norm)):
                return False
            # (a sentence stating its own year and no part of it, 「…2022年为30.1亿元，2023年为32.5亿元」 in a quarterly
            # report, states figures of whole years: the part its report is of is not theirs; "2024年以来" is no
            # whole year)
            fact = self._fact_period(q, c)
            # (a whole year asked, 全年: a figure of a named part, 上半年, is no answer; one of no named part is the
            # year's)
            if q.periods == {"Y"}:
                if fact and "Y" not in fact:
                    return False
            elif (fact or q.what == "number") and not fact & q.periods:
                return False
        if "entity" not in self.ablate and (_CELL_SEP in c.norm or c.norm.endswith(":")):
            # a table row about another item of its table than the one asked; a lead-in ending with a colon is
            # quoted with the row after it (_expand), so that row is checked
            chunk = normalize(c.hit.chunk.text)
            row = c.norm
            if _CELL_SEP not in row:
                at = chunk.find(c.norm)
                row = chunk[at + len(c.norm):].lstrip("\n").split("\n", 1)[0] if at >= 0 else ""
            if _CELL_SEP in row and _about_another_row_item(q.norm, row, chunk):
                return False
        if named and "entity" not in self.ablate:
            # a table row about another place of the unit asked (村名：东村｜… for 西村…) is not about the asked one
            if _about_another_place(q.norm, frozenset(entities(q.norm, min_len=2, flags=("ns",))), c.norm):
                return False
            doc = self._doc(c.hit.chunk.doc_id)
            need = any if q.parts or q.across else all  # a comparison's parts are answered one by one
            passage = c.norm + "\n" + doc
            bodies = self.registered_bodies

            def names_place(x: str) -> bool:
                # (a place's name inside a registered body's name, 青石 of 青石建材有限公司, names the body)
                unit = _unit_after(q.norm, x)
                # a quote naming the place's namesake of another unit and not the place is about the namesake
                # (「…白马镇为25.7亿元」 for 白马乡), whatever else its document names
                if unit and x in c.norm and not _place_named(c.norm, x, unit):
                    return False
                return _place_named(_masked(passage, bodies.get(x, ())) if unit else passage, x, unit)

            if not need(names_place(x) for x in named):
                return False
        if "entity" not in self.ablate and not (q.parts or q.across):
            # a term the question sets in quotation marks ("“数字乡村驿站”有多少个") is asked about as written: the
            # passage or its document names it, not only a term like it ("数字乡村服务站"); a comparison's quoted
            # parts are checked as its parts, one by one, above
            for term in quoted_terms(q.norm):
                if term not in c.norm and term not in self._doc(c.hit.chunk.doc_id):
                    return False
            # so is a plan document it names ("水利发展规划中…", "《…行动计划》提出…"): the quoted document's title
            # names its words, another plan's targets answer nothing about it
            plans = [p for p in plan_documents(q.norm) if p]
            title = normalize(c.hit.chunk.doc_title) if plans else ""
            for plan in plans:
                if not all(names(title, w) for w in words(plan) if len(w) >= 2):
                    return False
            # so is a thing it names by its number ("7号线"): "9号线" is another line; a passage not naming it
            # is about it when its document names it and no other thing numbered so (a sentence about 6号线 in a
            # document naming 3号线、4号线 and 6号线 answers nothing about 4号线)
            for number in numbered_names(q.norm):
                if not self._names_numbered(q.norm, number, c):
                    return False
            # so is a body it names with its place ("甲镇中心小学"): the same body of another place (乙镇中心小学)
            # is another body, also when named in the sentence before, which a quote with no subject of its own
            # goes on from (「乙镇中心小学新建工程…。项目于…开学时正式招生。」); and a document naming the body only
            # as another place's answers nothing about it (its other sentences are about other things)
            if _asked_places(q.norm) and (_body_of_another_place(self._sentence_before(c) + c.norm, q.norm)
                                          or self._doc_of_another_body(c.hit.chunk.doc_id, q.norm)):
                return False
        if "entity" not in self.ablate:
            # a quote whose subject is the whole of a larger unit (「年末全县规模以上工业企业达到186家」) states the
            # larger unit's figure, not that of the place asked with a smaller unit (青石乡), unless it names the
            # place (or its own unit's whole, 全镇); the place: one the question writes with its unit, no common
            # word (重点镇 is a kind of town)
            # (jieba cuts some from their unit, 青石|乡, and keeps others whole, tagged as any name: 白沙镇; a name
            # without a unit has itself as its stem and is skipped)
            # (a sentence opening with 其中 states a part of what the sentence before states, of its subject:
            # 「上半年，全县实现地区生产总值84.2亿元。其中，第二季度…43.6亿元」 is the county's second quarter)
            # (of two sentences quoted together, the one stating the fact asked: 「全年全县规模以上工业增加值增长7.8%。
            # 年末…其中，甲镇9家」 gives the county's rate beside a town's count; _fact_sentence)
            subject = _fact_sentence(q, c)
            if subject.startswith(_PART_OF_BEFORE):
                subject = self._sentence_before(c) + subject
            # (nor is a figure asked of a place answered by a quote not naming it whose figures are other places':
            # 「甲镇38.6亿元；乙乡10.2亿元；」 for 丙乡, cut from a sentence listing every town)
            # (and a figure in a quote naming no place at all is its document's place's: 「全年社会消费品零售总额73.5
            # 亿元」 in a county's bulletin is the county's, not a town's, unless the heading over it or the sentence
            # it goes on from names the town)
            for stem, unit in _asked_places(q.norm):
                if stem not in subject and (_about_whole_of_another(subject, unit)
                                            or (q.what == "number" and _other_places_figures(c.norm, q.norm))
                                            or (q.what == "number" and self._of_titled_larger_place(c, subject, stem, unit))):
                    return False
            # a figure of the whole of a place (「松溪县…地区生产总值」, 「全县…」) is not stated by a passage whose figures
            # are each a smaller place's (「青岚镇32.5亿元，白鹭镇21.7亿元」) and that names neither the place nor its
            # whole (全县)
            # (each sentence stating a figure, of two quoted together: 「全县…增长7.4%。甲镇有规模以上工业企业38家」
            # gives a town's count beside the county's rate; a passage naming no place at all is of its document's,
            # 「全年粮食总产量1.74万吨」 in a town's bulletin: its title is read)
            if q.what == "number":
                stating = [x for x in _SENTENCE_SPLIT.split(c.norm) if re.search(r"\d", x)] or [c.norm]
                for unit, stem in _asked_whole_units(q.norm):
                    got = [_only_smaller_places_figures(x, unit, stem, q.norm) for x in stating]
                    if all(g is None for g in got):
                        got = [_only_smaller_places_figures(normalize(c.hit.chunk.doc_title), unit, stem, q.norm)]
                    if any(got):
                        return False
        if q.unit and "unit" not in self.ablate:
            if not unit_pattern(q.measure, q.ordinal).search(c.norm):
                return False
        # ... and a physical quantity asked with no unit (高度, 面积, 有多长) needs a figure in one of its units,
        # stated of it: 「重约72吨的钢梁」 and 「全长18.7公里」 give no height
        if q.dimension and "unit" not in self.ablate and not states_dimension(c.norm, q):
            return False
        if q.attribute and "attribute" not in self.ablate:
            # a figure asked about an attribute ("…的常住人口是多少") needs that attribute in the passage: every word
            # of it (two characters or more), or a synonym, in the candidate's chunk or its document's title
            # (a table row is read with its own headers and its table's caption, the line before its rows: "各村
            #收入情况如下。" + "村名：西村｜…", not with another table's caption in the chunk)
            row = _CELL_SEP in c.norm
            caption = _table_caption(c.hit.chunk.text, c.start) if row else ""
            # (a row opening its chunk has its caption in an earlier chunk: its document is read)
            if row:
                chunk = c.norm + normalize(caption) if caption else self._doc(c.hit.chunk.doc_id)
            else:
                # ... not by a sentence about another kind of it (_another_kind_of: "农村居民人均可支配收入" states no
                # 城镇居民人均可支配收入), nor by the chunk only through such sentences
                # (a sentence under a heading naming the attribute whole, 「一、考核得分。甲镇得分95.5分…」, states
                # that attribute: _heading_context)
                attribute = normalize(q.attribute)
                if (_another_kind_of(attribute, c.norm, self._doc(c.hit.chunk.doc_id))
                        and attribute not in normalize(_heading_context(c.hit.chunk.text, c.start))):
                    return False
                chunk = self._chunk_of_kind(attribute, c.hit.chunk)
            if not all(names(chunk, w) for w in attribute_words(q.attribute)):
                return False
            # a figure asked of an attribute the quote does not name, in a chunk where another sentence states a
            # figure of it, is that sentence's, not the quote's: 「完成固定资产投资21.3亿元。」 answers no 常住人口 beside
            # 「年末…常住人口7.02万人」 (the attribute named only in a heading, a caption or the title still counts;
            # so does one named by what the quote goes on from: the sentence right before, 「上半年，全县地区生产总值
            # 完成55.2亿元。其中，第二季度完成29.8亿元」, or the clauses of its own sentence before it, 「一季度实现地区
            # 生产总值7.4亿元；上半年实现15.9亿元；」)
            needed = attribute_words(q.attribute)
            if (not row and q.what == "number" and not all(names(c.norm, w) for w in needed)
                    and self._figure_sentence_names(c, needed)):
                # (or the lead-in of the list the quote is a line of: 「各乡镇地区生产总值如下：」 over 「甲镇：24.3亿元」)
                context = (_sentence_head(c) + self._sentence_before(c)
                           + normalize(_heading_context(c.hit.chunk.text, c.start))
                           + normalize(list_lead_in(c.hit.chunk.text, c.start)))
                if not all(names(context, w) for w in needed):
                    return False
            # ... and the words before its head, its modifiers, in the candidate's document: 防汛检查经费 is asked of
            # a document about a flood inspection, not answered by another document's 经费 (the head is checked
            # above; a measure noun, 金额 of 投资金额, is stated by a figure's unit, not named)
            doc = self._doc(c.hit.chunk.doc_id)
            if not all(names(doc, w) for w in attribute_modifiers(q.attribute)):
                return False
            # a person asked for by a role is not answered by a sentence naming another role of its head (镇长 is
            # no 副镇长)
            if q.what != "number" and another_role(normalize(q.attribute), c.norm):
                return False
        if q.place_unit and "place" not in self.ablate:
            # "哪个镇…" is answered by a passage naming a place of that unit the question does not name already;
            # documents often drop the unit ("河北有6个镇"), so a name counts when its document writes it with the
            # unit somewhere ("河北省")
            doc = self._doc(c.hit.chunk.doc_id)
            units = q.place_units
            unit_alt = "|".join(map(re.escape, units))

            def counted_list(e: str) -> bool:  # it heads a list of names counted in that unit: "东镇、西镇…南镇4镇"
                return re.search(re.escape(e) + r"(?:、[\u4e00-\u9fff]{1,8})*[\d一二三四五六七八九十两]*个?"
                                 + f"(?:{unit_alt})", c.norm) is not None

            others = entities(c.norm, min_len=2, flags=("nr", "nt", "nz"))
            if not any(e not in q.norm and name_stem(e) not in q.norm
                       and (e.endswith(units) or any(name_stem(e) + u in doc for u in units) or counted_list(e))
                       for e in entities(c.norm, min_len=2, flags=("ns",))
                       # (a name of that unit jieba tags as another kind of name: 白沙镇 as a person, nr; or one
                       # heading a list counted in that unit, whatever it is tagged: 杨汛桥、钱清…5镇; or a name
                       # jieba cuts from its unit and tags as a plain noun: 某地|乡, ingest.tokenize.unit_places)
                       + [x for x in others if (len(x) >= 3 and x.endswith(units)) or counted_list(x)]
                       + [x for x in unit_places(c.norm) if x.endswith(units) and len(name_stem(x)) >= 2]):
                return False
        if "figure" not in self.ablate:
            # a grade or class the question names ("C级危房", "2级响应", "II类") is named by the quote: the sentence
            # beside it states another grade's figure ("D级…每户补助4.5万元；C级…每户补助1.8万元"); a quote naming
            # no grade is of the one its section heading names ("二、二类乡镇" over its rows)
            if not _names_grades(q, c.norm) and (GRADE.search(c.norm) or not _names_grades(
                    q, normalize(c.hit.chunk.section))):
                return False
            # a number asked is answered by a figure, a rate by a rate, a date by a date; 多少名河长: the noun counted
            # (a year, a date or an article number is no figure: a signature line "某镇人民政府 2025年1月10日"
            # answers no how-much question)
            if (q.what == "number" and not _FIGURE.search(_NO_AMOUNT.sub("", c.norm))
                    and not (q.ordinal and unit_pattern(q.unit, True).search(c.norm))):  # "首批" for 第几批
                return False
            if q.what == "number" and RATE_WORD.search(q.norm) and not _RATE.search(c.norm):
                return False
            # an amount asked ("财政收入是多少") is not answered by a sentence whose only figures are rates
            # (a rate that states no change, "权重为20%", may be the amount asked, in a sentence naming what is
            # asked; a change, "增长8%", never is)
            if (q.what == "number" and not _CHANGE_Q.search(q.norm) and _RATE.search(c.norm)
                    and not _AMOUNT.search(_NO_AMOUNT.sub("", _RATE_FIGURE.sub("", c.norm)))
                    and (not _RATE_FIGURE.search(_CHANGE_RATE.sub("", c.norm))
                         or not all(names(c.norm, w) for w in attribute_words(q.attribute)))):
                return False
            # a change asked ("增长多少", "减少了几个") is answered by a passage stating a change, not by a level
            # (「年末…企业132家，其中甲镇9家」 says how many there are, not by how much they grew; the base a change is
            # computed from states it too: 「…9.5亿元，上年为8.4亿元」)
            if q.what == "number" and _CHANGE_ASKED.search(q.norm) and not _CHANGE_STATED.search(c.norm):
                return False
            if q.what == "date" and not _DATE_FIGURE.search(c.norm):
                return False
            # a day asked (哪天) is answered by a date naming its day, not by a year or a month alone
            if q.what == "date" and DAY_Q.search(q.norm) and not _DAY_FIGURE.search(c.norm):
                return False
            # the counted noun: every word of its noun phrase (多少所重点中学: not 普通中学), else (a verb phrase,
            # 多少人参加培训) one of its words
            # (or the count is given with the noun left out after the question's verb, in a document naming it)
            if q.noun and len(q.noun) >= 2 and not _names_counted(q.noun, c.norm) and not (
                    _elided_count(q, c.norm) and _names_counted(q.noun, self._doc(c.hit.chunk.doc_id))):
                return False
        return True

    def _scores(self, X: np.ndarray, model: Any) -> np.ndarray:
        if self.ablate:
            X = X.copy()
            for i, name in enumerate(FEATURES):
                if name in self.ablate:
                    X[:, i] = model.mean[i]
        return model.logit(X)

    def answerability_features(self, q: Question, cands: list[Candidate], hits: list[Hit], model: Any = None,
                               best: Candidate | None = None, named: list[str] | None = None) -> list[float]:
        """Per-question features of ANSWERABILITY_FEATURES. `best`: the chosen candidate (default: the best
        scored one meeting the constraints); candidates get their scores from `model` when given; `named`: the
        question's names (`_named`, computed here when not given)."""
        if model is not None and cands:
            for c, s in zip(cands, self._scores(np.array([c.features for c in cands]), model), strict=True):
                c.score = float(s)
        weights = q.weights(self.index.idf)
        total = sum(weights.values()) or 1.0
        # the share of the question's weight on words no document uses, not even as a synonym (同义词词林)
        unknown = sum(v for w, v in weights.items() if not self._known(w)) / total
        named = self._named(q) if named is None else named
        entity_unknown = 1.0 if any(not self.index.mentions(x) for x in named) else 0.0
        if not cands:
            return [-10.0, -10.0, 0.0, 0.0, 0.0, 0.0, unknown, entity_unknown, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]
        top = max(cands, key=lambda c: c.score)
        if best is None:
            best = next((c for c in sorted(cands, key=lambda c: -c.score) if self._meets(q, c, named)), None)
        if best is None:
            return [-10.0, top.score, 0.0, 0.0, 0.0, max(c.features[5] for c in cands), unknown, entity_unknown,
                    1.0, hits[0].score if hits else 0.0, getattr(hits[0], "dense_raw", 0.0) if hits else 0.0, 1.0, 1.0,
                    1.0, self._topic_missing(q, weights, cands)]
        other = [c.score for c in cands if c.hit.chunk.doc_id != best.hit.chunk.doc_id]
        margin = best.score - max(other) if other else 5.0
        # the rarest question word the best candidate's chunk (with its title) / the candidate lacks, as a share of
        # the rarest question word's weight: "常住人口" missing from every sentence about the named town
        chunk = normalize(best.hit.chunk.doc_title) + "\n" + normalize(best.hit.chunk.text)
        top_w = max(weights.values(), default=1.0) or 1.0
        miss_chunk = max((v for w, v in weights.items() if not names(chunk, w, synonyms=False)), default=0.0) / top_w
        miss_answer = max((v for w, v in weights.items() if not names(best.norm, w, synonyms=False)), default=0.0) / top_w
        # ... and the best candidate's whole document, synonyms (同义词词林) counting: a question about an attribute
        # the document never mentions ("常住人口" of a town whose document has no population figure)
        doc = self._doc(best.hit.chunk.doc_id)
        miss_doc = max((v for w, v in weights.items() if not names(doc, w)), default=0.0) / top_w
        return [best.score, top.score, margin, best.features[0], best.features[3], max(c.features[5] for c in cands),
                unknown, entity_unknown, 0.0 if best is top else 1.0, hits[0].score,
                getattr(hits[0], "dense_raw", 0.0), miss_chunk, miss_answer, miss_doc,
                self._topic_missing(q, weights, cands)]

    def answer(self, question: str, hits: list[Hit], focus: str | None = None) -> Draft:
        """`focus`: the user's own latest words when `question` was completed from the history (unused by the
        scorer: the completed question carries them)."""
        parts = self.part_questions(question) if "parts" not in self.ablate else []
        if len(parts) >= 2:
            return self._answer_parts(parts, hits)
        q = analyse(question)
        if asks_issue_date(q) and "issued" not in self.ablate:
            issued = self._issue_date(q, hits)
            if issued is not None:
                return issued
        own = self._answer_one(q, hits)
        # a message asking several questions ("…有问题找谁？电话多少？") that is not answerable as a whole is answered
        # question by question (rag.question.split_questions), each alone over the same contexts; as a whole first,
        # since its later questions often restate or narrow the first ("为什么…？动因是什么？")
        # ... and so is one whose questions each ask a different specific thing (a date, a figure, a person:
        # 「…什么时候开始？有问题找谁？」), which no one sentence answered as a whole is likely to hold: when every
        # question is answered alone, their answers replace the whole's
        several = split_questions(question) if "parts" not in self.ablate else []
        answered = own.support >= self.threshold
        if several and (not answered or _asks_different_things(several)):
            draft = self._answer_parts(several, hits, every=answered)
            if draft.evidence and draft.support >= self.threshold:
                return draft
        # a change from a base year ("…比2022年增加了多少家", "…比上年增长多少") whose answer states no change of what
        # is asked and no figure of the year before ("上年为…"), or, asked as an amount by its verb (增加/减少), only
        # a rate, is answered by the figures of both years when both are found; with no change stated and a year
        # missing, it is refused (a level of the year asked alone answers no change)
        changes = year_change_parts(q.norm) if "parts" not in self.ablate else []
        if changes:
            quotes = [normalize(e.quote) for e in own.evidence]
            stated = own.support >= self.threshold and any(_states_change(x, q.attribute) for x in quotes)
            amount = bool(_AMOUNT_VERB_Q.search(q.norm))
            if not stated or (amount and not any(_states_change(x, q.attribute, amount=True) for x in quotes)):
                draft = self._answer_parts(changes, hits, every=True)
                if draft.evidence:
                    return draft
                if not stated:
                    return Draft(NOT_FOUND, [], 0.0)
        return own

    def _issue_date(self, q: Question, hits: list[Hit]) -> Draft | None:
        """The date a document was issued, for a question asking it (rag.question.asks_issue_date): the 成文日期
        ending the first document, in the hits' order, that names every word of the question other than the
        issuing and date words (its title or text: "白溪县水利局的通知" names a document whose title has
        白溪县, 水利局 and 通知), quoted with its signature line (ingest.headings.issue_date) from the document's
        last chunk among the hits (the engine adds it: rag.engine.AskEngine._retrieve). The date ends the body by
        the 公文 format (GB/T 9704-2012), so the support is 1.0 rather than the scorer's: its sentence shares no
        word with the question. None when no such document's date is among the hits."""
        words = [w for w in q.weights(self.index.idf) if not _ISSUE_OR_DATE_WORD.search(w)]
        for doc_id in dict.fromkeys(h.chunk.doc_id for h in hits):
            last = self.index.last_chunk(doc_id)
            doc = self._doc(doc_id)
            if last is None or not all(names(doc, w) for w in words):
                continue
            for n, h in enumerate(hits, start=1):
                span = issue_date(h.chunk.text) if h.chunk.chunk_id == last.chunk_id else None
                if span is not None:
                    e = Evidence(n, h, span[0], span[1], 1.0)
                    return Draft(f"{e.quote}[{n}]", [e], 1.0)
        return None

    def rerank(self, question: str, hits: list[Hit], k: int, retrieval_weight: float = 1.0,
               title_weight: float = 0.0) -> list[Hit]:
        """The `k` hits most likely to hold the answer, best first (a learned reranking of the retrieved
        candidates, issue 13). Each hit is ranked by the learned answer scorer's best candidate in it (rag.features,
        its calibrated logit, about -10..5) plus `retrieval_weight` × the hit's fused retrieval score (0..1) plus
        `title_weight` when the question names its document's title (rag.features.names_title: "龙须木的别名…"
        is about the document titled 龙须木, not one that mentions it); the retriever's order breaks ties. The
        scorer reads the question's words at sentence level, which the chunk-level fusion cannot. `hits`: the retriever's, best first, any length; a hit without a candidate
        sentence ranks last. Cost: one candidate pass over the hits (a few ms for 10 chunks)."""
        if len(hits) <= 1:
            return list(hits)[:k]
        q = analyse(question)
        cands = self.builder.build(q, list(hits))
        best = [-1e9] * len(hits)
        if cands:
            scores = self._scores(np.array([c.features for c in cands]), self.models["answer"])
            for c, sc in zip(cands, scores, strict=True):
                best[c.n - 1] = max(best[c.n - 1], float(sc))
        titled = self._titled(q, hits) if title_weight else set()
        order = sorted(range(len(hits)), key=lambda i: (
            -(best[i] + retrieval_weight * hits[i].score + (title_weight if hits[i].chunk.doc_id in titled else 0.0)),
            i))
        return [hits[i] for i in order[:k]]

    def _titled(self, q: Question, hits: list[Hit]) -> set[str]:
        """The documents among the hits' whose title (CandidateBuilder.title) the question names whole
        (rag.features.names_title), as doc ids; each document is tested once."""
        docs = {h.chunk.doc_id: h.chunk for h in hits}
        return {d for d, chunk in docs.items() if names_title(q.norm, self.builder.title(chunk)[0])}

    def _answer_parts(self, questions: list[str], hits: list[Hit], every: bool = False) -> Draft:
        """A question answered part by part (part_questions: a comparison, "A和B…分别…", or a brand the documents
        register for several bodies; rag.question.year_change_parts): each part's own question is answered alone,
        and the parts whose answerability reaches the threshold are quoted together in reading order. Support: the
        highest part's. When no part is answerable, the draft of the best-supported part (the engine abstains on it);
        with `every`, a draft without evidence unless every part is answerable."""
        drafts = [self._answer_one(analyse(x), hits) for x in questions]
        kept = [d for d in drafts if d.evidence and d.support >= self.threshold]
        if every and len(kept) < len(drafts):
            return Draft(NOT_FOUND, [], 0.0)
        if not kept:
            return max(drafts, key=lambda d: d.support)
        chosen: list[Evidence] = []
        for d in kept:
            chosen += [e for e in d.evidence if not any(e.n == x.n and e.start < x.end and x.start < e.end
                                                        for x in chosen)]
        chosen = _join_adjacent(reading_order(chosen))
        return Draft("".join(f"{e.quote}[{e.n}]" for e in chosen), chosen, max(d.support for d in kept))

    def _answer_one(self, q: Question, hits: list[Hit]) -> Draft:
        cands = self.builder.build(q, hits)
        # (a question naming a plan document, "《…三年行动计划》提出…多少", "规划中要求…多少", asks what that document
        # states, whose every figure is a plan: no candidate is dropped as planned, nor kept for being planned)
        if (q.what == "number" and "plan" not in self.ablate and not plan_documents(q.norm)
                and not _TO_BE_DONE_Q.search(q.norm)):
            # a figure planned ("力争新增规上企业4家", "计划投资3亿元") states no fact: no candidate for a question
            # about what is; a question about a plan ("2023年计划新增多少家…") is answered by a planned figure
            # when one is among the candidates, not by the result stated beside it
            # (a question about a plan is answered by a candidate stating a planned figure, though it states a fact
            # beside it: "每年安排培训经费80万元，计划5年累计投入500万元")
            if _PLAN_Q.search(_TITLE.sub("", q.norm)):
                cands = [c for c in cands if _only_planned(c.norm, _plan_before(c), some=True)] or cands
            else:
                cands = [c for c in cands if not _only_planned(c.norm, _plan_before(c))]
        if not cands:
            return Draft(NOT_FOUND)
        m = self.models
        X = np.array([c.features for c in cands])
        for c, s in zip(cands, self._scores(X, m["answer"]), strict=True):
            c.score = float(s)
        if self.title_weight and "title" not in self.ablate:
            # a question naming a document's title is about that document (an entity page), not one mentioning it
            titled = self._titled(q, hits)
            for c in cands:
                if c.hit.chunk.doc_id in titled:
                    c.score += self.title_weight
        ranked = sorted(cands, key=lambda c: -c.score)
        named = self._named(q)
        best = next((c for c in ranked if self._meets(q, c, named)), None)
        feats = self.answerability_features(q, cands, hits, best=best, named=named)
        support = float(m["answerable"].prob(np.array([feats]))[0])
        if best is None:
            return Draft(NOT_FOUND, [], 0.0)
        meeting = [c for c in ranked if self._meets(q, c, named)]
        if "extreme" not in self.ablate and (sup := superlative(q.norm)) is not None:
            # "哪个乡镇…最多": a passage saying which it is ("增速最慢的是…") answers; else the item whose figure is
            # the extreme of its document's (rag.extreme)
            stating = next((c for c in meeting if states_superlative(sup, c.norm)), None)
            if stating is not None:
                best = stating
            elif got := self._extreme(sup, q, best, hits):
                return Draft("".join(f"{e.quote}[{e.n}]" for e in got), got, support)
            elif WHICH_SUPERLATIVE.search(q.norm):
                # which item is the most: a passage neither saying it nor listing the items' figures does not
                # answer it (a county total, a footnote)
                return Draft(NOT_FOUND, [], 0.0)
        if q.what == "list" and "rows" not in self.ablate and _CELL_SEP not in best.norm:
            # "被评为优秀的乡镇有哪些": the rows of a table with the value the question names in a column, when the
            # question names the column of the items asked too (乡镇), answer it, not a sentence about that value
            best = next((c for c in meeting if c.hit.chunk.doc_id == best.hit.chunk.doc_id and _row_asked(q, c)), best)
        if "caption" not in self.ablate and _WHO_LISTED.search(q.norm):
            # "焊工项目一等奖是谁": the names listed under a caption the question names (一等奖), in the section whose
            # heading it names (二、焊工项目), answer it (the caption and the heading state what the question asks
            # of them, which the line of a name never repeats: no constraint on the attribute is checked)
            listed = next((c for c in ranked if c.hit.chunk.doc_id == best.hit.chunk.doc_id and _under_caption(q, c)),
                          None)
            if listed is not None:  # the caption's whole list: its numbered lines up to the next caption
                text = listed.hit.chunk.text
                caption = text.rfind("\n", 0, len(text[: listed.start].rstrip())) + 1  # (quoted with its caption)
                got = Evidence(listed.n, listed.hit, caption, _list_end(text, listed.start), listed.score)
                return Draft(f"{got.quote}[{got.n}]", [got], support)
        if "slot" not in self.ablate and (slot := asked_slot(q.norm)):
            # "培训班什么时候开始": a notice's own heading for the element asked (一、培训时间) is followed by it
            best = next((c for c in meeting if c.hit.chunk.doc_id == best.hit.chunk.doc_id
                         and _opens_slot(q, c, slot)), best)
        chosen = self._expand(q, best, meeting, ranked)
        chosen = _join_adjacent(chosen)
        text = "".join(f"{e.quote}[{e.n}]" for e in chosen)
        return Draft(text, chosen, support)

    def _of_titled_larger_place(self, c: Candidate, fact: str, stem: str, unit: str) -> bool:
        """Whether a candidate states a figure of its document's place, larger than the place asked (`stem` with
        its `unit`, _LEVEL): the sentence of it stating the fact (`fact`, normalised: _fact_sentence) names no place
        at all (no place with a unit, no unit's whole), nor does the heading over it or the sentence it goes on from
        name the place asked, and the document's title names a place of a larger unit and not the one asked
        (「某县2023年统计公报」 for 甲镇)."""
        level = _LEVEL.get(unit)
        if level is None or unit_places(fact) or _WHOLE_SUBJECT.search(fact) or _figure_place_units(fact, ""):
            return False
        around = self._sentence_before(c) + normalize(_heading_context(c.hit.chunk.text, c.start))
        title = normalize(c.hit.chunk.doc_title)
        if stem in around or stem in title:
            return False
        return any(_LEVEL.get(u, level) < level for _, u in _asked_places(title))

    def _extreme(self, sup: Superlative, q: Question, best: Candidate, hits: list[Hit]) -> list[Evidence]:
        """The statements of the best candidate's document whose figure of the asked attribute is the extreme
        (rag.extreme; several when tied), each quoted from the retrieved context holding it; [] when its document
        compares no two items, or an extreme is in a chunk not retrieved (it is not among the contexts the answer
        cites)."""
        picks = self._extreme_picks(sup, q, best)
        contexts = {h.chunk.chunk_id: (n, h) for n, h in reversed(list(enumerate(hits, 1)))}
        if not picks or any(p.chunk_id not in contexts for p in picks):
            return []
        return [Evidence(*contexts[p.chunk_id], p.start, p.end, best.score) for p in picks]

    def _extreme_picks(self, sup: Superlative, q: Question, best: Candidate) -> list[Any]:
        """The statements (rag.extreme.Statement) of the best candidate's document with the extreme figure of the
        attribute asked, or, for a rank asked of an attribute in a document stating no ranks, the figure of that
        rank by value (rag.extreme.by_value); [] when the document compares no two items."""
        chunks = sorted(self.index.by_doc.get(best.hit.chunk.doc_id, []), key=lambda c: c.seq)
        near = (best.hit.chunk.chunk_id, best.start, best.end)
        statements = document_statements(sup, chunks, q.years, q.periods)
        picks = extreme_statements(sup, statements, near)
        if not picks and not any(s.item for s in statements) and (values := by_value(sup)) is not None:
            # a rank asked of an attribute in a document stating no ranks: the attribute's figures are ranked
            picks = extreme_statements(values, document_statements(values, chunks, q.years, q.periods), near)
        return picks

    def extreme_chunks(self, question: str, hits: list[Hit]) -> list[Any]:
        """The chunks (rag.retrieve chunks) holding the computed answer of a which-question with a superlative
        ("哪一项支出增长最快", rag.extreme) that are not among `hits`: a list whose items the chunker put in chunks
        of their own is read whole, and the engine adds these chunks to the contexts so that the answer cites what
        the user sees. [] for any other question, or when the answer's chunks were retrieved. Cost: one candidate
        pass over the hits (a few ms)."""
        q = analyse(question)
        sup = superlative(q.norm) if "extreme" not in self.ablate else None
        if sup is None or not hits:
            return []
        cands = self.builder.build(q, hits)
        if not cands:
            return []
        for c, score in zip(cands, self._scores(np.array([c.features for c in cands]), self.models["answer"]),
                            strict=True):
            c.score = float(score)
        named = self._named(q)
        best = next((c for c in sorted(cands, key=lambda c: -c.score) if self._meets(q, c, named)), None)
        if best is None:
            return []
        seen = {h.chunk.chunk_id for h in hits}
        wanted = dict.fromkeys(p.chunk_id for p in self._extreme_picks(sup, q, best) if p.chunk_id not in seen)
        return [self.index.chunks[x] for x in wanted if x in self.index.chunks]

    def _expand(self, q: Question, best: Candidate, ranked: list[Candidate], every: list[Candidate]) -> list[Evidence]:
        """The best candidate plus what must go with it, in reading order. `ranked`: the candidates meeting the
        constraints, best first; `every`: all candidates (a list's later items need not repeat the year)."""
        chosen = [_evidence(best)]
        sents = [c for c in every if c.sentences == 1 and c.hit is best.hit and c.start >= best.end]
        following = sorted(sents, key=lambda c: c.start)
        last = chosen[0]
        # inside the body under a heading that restates the question: also when the best sentence opens the body
        # under a short heading that matched the question (its lead, quoted with it: "——承接不畅。" + body)
        # (a lead-in ending with a colon is continued by what it announces, below)
        body = (q.what in ("explain", "list", "fact") and best.lead is not None and best.sentences == 1
                and not best.text.rstrip().endswith((":", "：")))
        # a lead-in ("…问题有三:") or a short heading is continued by the sentence after it; a heading that
        # restates a why/what/list question ("——承接不畅。") by its body, up to ANSWER_CHARS in all
        for c in following:
            if c.start - last.end > 2:
                break
            if body:
                size = sum(e.end - e.start for e in chosen) + c.end - c.start
                if size > ANSWER_CHARS or c.heading is not None or c.features[FEATURES.index("heading_like")]:
                    break
                chosen.append(_evidence(c))
                last = chosen[-1]
                continue
            if len(chosen) > self.max_sentences:
                break
            quote = last.quote.rstrip()
            # a lead-in, a heading, or a heading-like line that only restates the question ("——上热下冷。")
            # (a heading that already states the figure or date asked for is the whole answer)
            states = _states_asked(q, quote)
            lead_in = (quote.endswith((":", "：")) or (heading_level(quote) is not None and len(quote) <= 30
                                                        and not states)
                       or (last is chosen[0] and best.sentences == 1 and best.features[FEATURES.index("restates")]
                           and len(quote) <= 30 and not states))
            if not lead_in:
                break
            body = (q.what in ("explain", "list", "fact") and last is chosen[0] and best.sentences == 1
                    and not quote.endswith((":", "：")))
            chosen.append(_evidence(c))
            last = chosen[-1]
        if q.what == "explain" and _CONSEQUENCE.match(best.text):
            before = next((c for c in every if c.sentences == 1 and c.hit is best.hit and 0 <= best.start - c.end <= 2), None)
            if before is not None:
                chosen.append(_evidence(before))
        if q.what == "list":
            if next_item(last.quote) is None:
                # a sentence announcing a list ("…也存在一些不足。") is followed by the list's first item
                first = next((c for c in following if 0 <= c.start - last.end <= 2 and _FIRST_ITEM.match(c.text)), None)
                if first is not None:
                    chosen.append(_evidence(first))
                    last = chosen[-1]
            # the list goes on from the last chosen sentence that is an item ("（一）…"), not from its body text;
            # an item that itself enumerates the count asked ("哪两类…": "四是下放A、B许可") is the whole answer
            opener = next((e for e in reversed(chosen) if next_item(e.quote) is not None), last)
            # an item labelled with its own topic that names what is asked ("3.存在的短板:…" for "…存在哪些短板")
            # goes on only into siblings whose labels name it too, not into "4.经验与做法:…"
            label = _ITEM_LABEL.match(opener.quote)
            asked = _label_words(q, label.group("label")) if label else []
            if not (q.count and best.features[FEATURES.index("count_match")]):
                chosen += self._next_items(every, opener, asked)
            if "rows" not in self.ablate:
                chosen += _rows_alike(q, best, every)
        if q.across:  # "各地…", "…分别…": the best candidate (meeting the constraints) of each other document
            # that the scorer judges more likely than not to hold an answer (p ≥ 0.5, the Bayes decision point of a
            # calibrated classifier): another document is quoted only when it answers too
            docs = {best.hit.chunk.doc_id}
            for c in ranked:
                if len(docs) >= MAX_DOCUMENTS or c.score < 0.0:
                    break
                if c.hit.chunk.doc_id not in docs:
                    chosen.append(_evidence(c))
                    docs.add(c.hit.chunk.doc_id)
        if q.what == "number" and not q.years and not q.across and "years" not in self.ablate:
            # a figure asked with no year is stated for another year in another document too (yearly reports):
            # that year's figure is quoted as well when the scorer judges it more likely than not to answer
            # (p ≥ 0.5, as for a question across documents), so that one year's figure is never given as the answer
            year = _doc_year(best)
            other = next((c for c in ranked if c.score >= 0.0 and c.hit.chunk.doc_id != best.hit.chunk.doc_id
                          and _doc_year(c) not in ("", year)), None) if year else None
            if other is not None:
                chosen.append(_evidence(other))
        taken = {(e.n, e.start) for e in chosen}
        chosen = [_with_lead(q, e) if e.lead is not None and (e.n, e.lead) not in taken else e for e in chosen]
        return reading_order(chosen)

    @staticmethod
    def _next_items(ranked: list[Candidate], item: Evidence, label_words: list[str] | None = None) -> list[Evidence]:
        """The items of the list this sentence opens or belongs to ("一、…" → "二、…", "首先…" → "其次…"),
        from the same document, in order, wherever they stand in the retrieved chunks. `label_words`: question
        words the opening item's label names; the list stops at an item whose own label lacks one of them."""
        later = sorted((c for c in ranked if c.sentences == 1 and c.hit.chunk.doc_id == item.hit.chunk.doc_id
                        and (c.hit.chunk.seq, c.start) > (item.hit.chunk.seq, item.start)),
                       key=lambda c: (c.hit.chunk.seq, c.start))
        items: list[Evidence] = []
        expected = next_item(item.quote)
        for c in later:
            if expected is None or len(items) >= MAX_LIST_ITEMS:
                break
            if expected.match(c.text):
                label = _ITEM_LABEL.match(c.text)
                if label_words and label and _label_words_missing(label_words, label.group("label")):
                    break
                items.append(_with_item_body(_evidence(c)))
                expected = next_item(c.text)
        return items


def _with_item_body(e: Evidence) -> Evidence:
    """A list item quoted with the rest of its line when its first sentence is only its title ("（二）推进乡村振兴。"
    + "建设高标准农田9000亩…。"), so that every item reads like the first; not when the rest is longer than
    ITEM_BODY_CHARS characters or holds an item marker of its own (the item itself is then returned)."""
    text = e.hit.chunk.text
    line_end = text.find("\n", e.end)
    line_end = len(text) if line_end < 0 else line_end
    rest = text[e.end : line_end]
    if not rest.strip() or len(rest) > ITEM_BODY_CHARS or next_item(rest) is not None:
        return e
    return replace(e, end=e.end + len(rest.rstrip()))


def _another_kind_of(attribute: str, text: str, doc: str) -> bool:
    """Whether `text` (normalised) names another kind of `attribute` than the one asked: it names the attribute's
    head (rag.question.attribute_nouns, the last word) but not the attribute whole, and either its document `doc`
    names the attribute whole elsewhere ("收入为1.52亿美元" in news giving 在线游戏收入 apart) or a noun of its own
    stands where the question's modifier does ("农村居民人均可支配收入" for 城镇居民人均可支配收入: the longest ending
    of the attribute the text names, 居民人均可支配收入, follows 农村 there and 城镇 in the question; "一般公共预算收入"
    for 城镇居民人均可支配收入: 预算, ingest.tokenize.modifier_ending). A verb before it is no other kind ("全镇实现生产总值"
    for 地区生产总值)."""
    nouns_ = attribute_nouns(attribute)
    # (a plan word inside the attribute's phrase still names it: "旅游预计收入" for 旅游收入)
    if len(nouns_) < 2 or attribute in text or attribute in _PLAN.sub("", text):
        return False
    head = nouns_[-1]
    at = -1
    for k in range(len(attribute) - 1, len(head) - 1, -1):  # the longest ending of the attribute the text names
        at = text.find(attribute[-k:])
        if at >= 0:
            break
    if at < 0:
        return False
    if attribute in doc:
        return True
    modifier = modifier_ending(text[max(0, at - 6) : at])
    if modifier:
        return modifier not in attribute
    # ... or the noun phrase the text ends there, read whatever the tags (subject_phrase: 可支配 is tagged a verb),
    # has words before the shared ending and none of the question's own ("城镇居民人均可支配收入" for 旅游收入)
    own = attribute[: -k]
    phrase = subject_phrase(text[: at + k])
    return len(phrase) > k and len(own) >= 2 and own not in phrase and not any(w in phrase for w in nouns(own))


# an administrative unit after a place's name: 省 … 村 (ingest.tokenize.PLACE_UNIT_END), or 街道 (a sub-district)
_PLACE_UNIT_AT = re.compile(rf"街道|{PLACE_UNIT_END}")


@lexical_cache(maxsize=4096)
def _unit_after(question: str, name: str) -> str:
    """The administrative unit the question writes right after a name ("柳河乡…" → 乡, "东湖街道" → 街道), "" when
    none."""
    at = question.find(name)
    m = _PLACE_UNIT_AT.match(question, at + len(name)) if at >= 0 else None
    return m.group() if m else ""


# administrative levels, larger first (国 > 省 > 市 > 县/区 > 乡/镇/街道 > 村); a unit's 全X ("全县") is its whole
_LEVEL = {"国": 0, "省": 1, "市": 2, "县": 3, "区": 3, "乡": 4, "镇": 4, "街道": 4, "村": 5}
# the whole of a unit as the subject of a clause (全县, 全镇): not a ranking or share against it (「居全县第一」,
# 「占全县的30%」, 「全县首个」)
# (「全乡镇」 is every town and township, no one unit's whole)
_WHOLE_SUBJECT = re.compile(WHOLE_PLACE + r"(?![首第前排平均之的范围水平内外镇])")


# a sentence stating a part of what the sentence before it states, of that sentence's subject
_PART_OF_BEFORE = "其中"


def _about_whole_of_another(text: str, unit: str) -> bool:
    """Whether `text` (normalised) states something of the whole of another administrative unit than a place of
    `unit` (the unit a question names its place with: 镇, 乡, 街道, 村, 县…) as its subject: of a larger unit,
    「年末全县规模以上工业企业达到186家」 for a town, or of another unit of the same level, 「年末全镇常住人口8.46万人」
    for a township (乡); never of the whole of `unit` itself (全镇 for a town). Levels: _LEVEL; an unknown unit:
    False."""
    level = _LEVEL.get(unit)
    if level is None or f"全{unit}" in text:
        return False
    return any(_LEVEL[m.group(1)] < level or (_LEVEL[m.group(1)] == level and m.group(1) != unit)
               for m in _WHOLE_SUBJECT.finditer(text))


# a figure stated in the clause of a place written with its unit, as its subject: 「青岚镇32.5亿元」, 「白鹭乡为2.1万人」,
# 「东湖街道：12家」, 「青岚镇完成固定资产投资5.9亿元」
# (a unit character opening a common word is no place's unit: 村级道路, 市场, 区域; ingest.tokenize.PLACE_UNIT_END)
_PLACE_FIGURE = re.compile(rf"([\u4e00-\u9fff]{{2}})(街道|{PLACE_UNIT_END})[^,，。;；、:：\d]{{0,12}}?[:：]?\s*\d")


@lexical_cache(maxsize=1024)
def _asked_places(question: str) -> tuple[tuple[str, str], ...]:
    """The places a question (normalised) writes with an administrative unit, each as (stem, unit), in the
    question's order: "青石乡的…" → (("青石", "乡"),). The place: one the question writes with its unit
    (rag.question.unit_places), or a name jieba keeps whole (白沙镇, entities of three characters or more); a kind of
    place (重点镇: its stem a common word) and a name without a unit (its stem itself) are none."""
    got = []
    for place in dict.fromkeys(unit_places(question) + entities(question, min_len=3)):
        stem = name_stem(place)
        if stem != place and not common_word(stem):
            got.append((stem, place[len(stem):]))
    return tuple(got)


def _figure_place_units(text: str, question: str, opening: bool = False) -> list[str]:
    """The units of the places `text` (normalised) states a figure of in their clause (_PLACE_FIGURE: 「甲镇38.6亿
    元」 → 镇, 「东湖街道：12家」 → 街道) that the question (normalised) does not name itself (试点镇 of 「…向试点镇
    下放了多少项…」 is asked about). A unit character closing a common word is no place's unit (农村, 城市, 社区).
    `opening`: only a place opening its clause (after a clause mark or at the start), the subject of a list's item
    (「…；丙乡7.31亿元；」), not characters before a unit inside a phrase (「年末全县常住人口…」, 「覆盖小区5个」)."""
    return [m.group(2) for m in _PLACE_FIGURE.finditer(text)
            if not common_word(m.group(1)) and not common_word(m.group(1)[-1] + m.group(2))
            and m.group(1)[-1] != "全"  # (a unit's whole, 「占全县的6.5%」, is no place: _WHOLE_SUBJECT)
            and m.group(1) + m.group(2) not in question
            and (not opening or m.start() == 0 or text[m.start() - 1] in _CLAUSE_MARKS)]


# what opens a clause: a clause or sentence mark, a list's enumeration comma, a line end
_CLAUSE_MARKS = frozenset("，,；;。：:、！？!?\n ")


# a place written right before a body's name: a name of two or three characters and its unit (「柳溪镇中心小学」)
_PLACE_BEFORE = re.compile(rf"([\u4e00-\u9fff]{{2,3}})(街道|[{PLACE_UNITS}])$")
# the kinds of body a name ends with (学校 and 小学, 医院 and 卫生院, 派出所, 服务站, 财政局, 文化馆, 水厂, 公司, 银行,
# 合作社, 委员会, 办事处, 中心): Chinese names a body with its kind last
_BODY_KIND_END = re.compile(r"(?:学|校|院|所|站|局|馆|厂|司|行|社|会|办|处|队|园|中心)$")


def _body_of_another_place(text: str, question: str) -> bool:
    """Whether `text` (normalised) is about the body of another place than the one the question (normalised) names
    it by: the question writes a place with its unit and a body's name right after it (「甲镇中心小学什么时候开学」:
    中心小学, the longest run after the place, two characters or more, that `text` has and that ends with a kind
    of body: _BODY_KIND_END), and `text` names that body
    only after other places (「乙镇中心小学…开学」), never after the place asked. A place's stem (甲) or the
    place's own whole (全镇) before it is the place; a common word ending in a unit character (农村, 城市) is no
    place. Same-named bodies of different places are different bodies (a 卫生院, a 中心小学, a 派出所 of each town)."""
    for stem, unit in _asked_places(question):
        at = question.find(stem + unit)
        if at < 0:
            continue
        run = re.match(r"[\u4e00-\u9fff]{2,8}", question[at + len(stem) + len(unit):])
        if run is None:
            continue
        body = next((b for k in range(len(run.group(0)), 1, -1)
                     if (b := run.group(0)[:k]) in text and _BODY_KIND_END.search(b)), "")
        if not body:
            continue
        before = [text[max(0, m.start() - 5) : m.start()] for m in re.finditer(re.escape(body), text)]
        places = [_PLACE_BEFORE.search(b) for b in before]
        if all(p is not None and stem not in p.group(0) and p.group(1)[-1] != "全"
               and not common_word(p.group(1)[-1] + p.group(2)) for p in places):
            return True
    return False


def _other_places_figures(text: str, question: str) -> bool:
    """Whether `text` (normalised) states a figure of a place opening its clause that the question does not name
    (_figure_place_units with `opening`)."""
    return bool(_figure_place_units(text, question, opening=True))


@lexical_cache(maxsize=1024)
def _asked_whole_units(question: str) -> tuple[tuple[str, str], ...]:
    """The administrative units whose whole a question (normalised) asks about, each with the stem of the place it
    names with it ("" for 全县), as (unit, stem) pairs, the first place of each unit: "松溪县2023年地区生产总值" →
    (("县", "松溪"),), "全县有多少…" → (("县", ""),). Levels: _LEVEL; places: _asked_places."""
    got: dict[str, str] = {}
    for stem, unit in _asked_places(question):
        if unit in _LEVEL:
            got.setdefault(unit, stem)
    for m in _WHOLE_SUBJECT.finditer(question):
        got.setdefault(m.group(1), "")
    return tuple(got.items())


def _only_smaller_places_figures(text: str, unit: str, stem: str = "", question: str = "") -> bool | None:
    """Whether `text` (normalised) states figures only of places smaller than `unit` (each in the clause of a place
    written with its unit, 「青岚镇32.5亿元，白鹭镇完成21.7亿元」 for 县, or of the whole of a smaller unit, 「全镇常住
    人口9.1万人」) and names neither the whole of `unit` (全县) nor the place `stem`: its figures are no answer about
    that whole. Places the question (normalised) names itself are asked about, not others (试点镇 of 「…市向试点镇
    下放了多少项…」). False when it names that whole or place or a place as large; None when it names no place."""
    level = _LEVEL.get(unit)
    if level is None or f"全{unit}" in text or (stem and stem in text):
        return False
    units = _figure_place_units(text, question) + [m.group(1) for m in _WHOLE_SUBJECT.finditer(text)]
    return all(_LEVEL[u] > level for u in units) if units else None


def _place_named(text: str, name: str, unit: str) -> bool:
    """Whether `text` names the place `name` (its stem, rag.question.name_stem) of administrative unit `unit`:
    with that unit, or alone (documents drop the unit) in a text that never writes it with another unit (柳河镇
    does not name 柳河乡, nor 云溪镇 云溪县, nor 东湖街道 东湖镇; a text about 青溪乡 that writes 青溪 alone
    elsewhere is about 青溪乡). Without a unit: the name itself."""
    if not unit:
        return name in text
    if name + unit in text:
        return True
    for m in re.finditer(re.escape(name), text):
        other = _PLACE_UNIT_AT.match(text, m.end())
        if other is not None and other.group() != unit:
            return False
    return name in text


# a target or plan, not a fact: in a clause stating a figure ("力争新增4家", "预计全年接待50万人次"), and in a
# question asking for one ("计划新增多少", "目标是多少", "要新增多少")
_PLAN = re.compile(r"力争|计划|预计|预期|目标|争取|拟|规划")
# (安排 is no plan word: "每年安排专项经费300万元" states an allocation made, as the sentences' _PLAN reads it)
_PLAN_Q = re.compile(r"力争|计划|预计|预期|目标|争取|拟|规划|打算|任务")
# 要 before a verb of a result asks what is to be done (「明年要新增几家」; not 需要, 主要, 重要), which documents state
# with a plan word (「力争新增4家」) or without one (「到2026年，绿化覆盖率达到45%」): neither kind of figure is dropped
_TO_BE_DONE_Q = re.compile(r"(?<![需重主只想还])要(?=新增|新建|达到|完成|实现|建成|增长|引进|培育|突破|提高|提升|减少|下降|控制)")
# a plan word inside a document's title (「根据《农田建设五年规划》，县财政每年安排…900万元」) names the document, it
# plans nothing of the sentence
_TITLE = re.compile(r"《[^《》]*》")
# a word of a question about when a document was issued that its document need not name (印发, 发文日期, 时间)
_ISSUE_OR_DATE_WORD = re.compile(rf"{ISSUE_VERBS}|日期|时间|哪天|时候")
_CLAUSE_SPLIT = re.compile(r"[，,；;。！？!?]")
# a plan word governs its sentence up to 。！？, across ； (「力争A增长6%；B达到35家」: both planned)
_SENTENCE_END = re.compile(r"[。！？!?]")


def _only_planned(text: str, governed: bool = False, some: bool = False) -> bool:
    """Whether every clause of `text` (normalised) that states a figure (a year, a date or an article number is
    none; a table cell is a clause of its own) states a planned one: a plan word (_PLAN) in it or in an earlier
    clause of its sentence ("力争地区生产总值突破45亿元，规模以上工业企业达到35家。": both planned). "力争新增规上
    企业4家。" → True; "新增规上企业9家，力争明年再增4家" → False; "投资额(万元):1200｜计划完成时间:2023年12月" →
    False. `governed`: a plan word in the clauses before `text` in its sentence governs its first sentence too
    (`_plan_before`: "力争…增长6%；新增高新技术企业2家。" read from its second clause). `some`: whether any clause
    stating a figure states a planned one."""
    stating = planned = 0
    for i, sentence in enumerate(_SENTENCE_END.split(text.replace(_CELL_SEP, "。"))):  # a cell is a sentence
        plan = governed and i == 0
        for clause in _CLAUSE_SPLIT.split(sentence):
            plan = plan or bool(_PLAN.search(_TITLE.sub("", clause)))
            if _FIGURE.search(_NO_AMOUNT.sub("", clause)):
                stating += 1
                planned += plan
    return stating > 0 and (planned > 0 if some else planned == stating)


_SENTENCE_SPLIT = re.compile(rf"(?<=[{SENTENCE_END_CHARS}])")  # after each sentence end (core.text)


# the specific things a question may ask, one answer each (Question.what; 谁 asks a person)
_SPECIFIC_ASKS = frozenset({"date", "number", "person"})


def _asks_different_things(questions: list[str]) -> bool:
    """Whether each of several questions (rag.question.split_questions) asks a specific thing of its own kind: a
    date, a figure or a person, no two alike (「…什么时候开始？有问题找谁？」 → date, person: True; 「…几个？共多少项？」
    → number, number: False; a reason or a fact asked: False)."""
    kinds = ["person" if "谁" in x else analyse(x).what for x in questions]
    return len(set(kinds)) == len(kinds) and set(kinds) <= _SPECIFIC_ASKS


def _sentence_head(c: Candidate) -> str:
    """The clauses of the candidate's sentence before it in its chunk, normalised: the candidate is a later
    ；-clause the splitter made a sentence of ("2023年，力争地区生产总值达到28亿元，增长6%；" before "新增高新技术企业
    2家。"); "" when it opens its sentence. A line end, 。！？ or a table cell ends the sentence looked back into."""
    head = c.hit.chunk.text[: c.start]  # (the stored text: its cells are joined by TABLE_CELL_SEP, not normalised)
    cut = max(head.rfind(ch) for ch in "。！？!?\n" + TABLE_CELL_SEP)
    return normalize(head[cut + 1 :])


def _plan_before(c: Candidate) -> bool:
    """Whether a plan word (_PLAN) stands in the clauses of the candidate's sentence before it (_sentence_head)."""
    return bool(_PLAN.search(_TITLE.sub("", _sentence_head(c))))


def relative_years(text: str, base: set[str]) -> set[str]:
    """The years a text names relative to the year(s) `base` of the text itself (4-digit strings): "上年为1420万元"
    with base {"2023"} → {"2022"}; 前年 is two years back. A relative year that is only the base of a comparison
    ("比上年增长12%", "较去年同期", "与上年相比") names none: the figure stated is the base year's own. Empty when
    the text names none or `base` is empty."""
    offsets = {_YEAR_OFFSET[m.group()] for m in _RELATIVE_YEAR.finditer(text)}
    return {str(int(y) - k) for y in base for k in offsets}


@lexical_cache(maxsize=1024)
def _counted_words(noun: str) -> tuple[tuple[str, ...], bool]:
    """The words of a counted noun to look for, and whether all of them are needed (a noun phrase) or one (a verb
    phrase); computed once per question, not per candidate (jieba)."""
    phrase = trailing_noun_phrase(noun)
    if phrase:
        return tuple(w for w in words(phrase) if len(w) >= 2), True
    return tuple(words(noun)), False


def _names_counted(noun: str, text: str) -> bool:
    """Whether `text` names the noun counted by 多少/几 + measure word (Question.noun): every word (two characters or
    more) of its noun phrase (ingest.tokenize.trailing_noun_phrase), else one word of it; a noun of three characters
    or fewer is one word to a reader and is named whole (护林站 is not named by 护林员, whatever the segmenter cuts)."""
    if len(noun) <= 3:
        return noun in text or any(x in text for x in synonyms(noun))
    needed, phrase = _counted_words(noun)
    if phrase:
        return all(names(text, w) for w in needed)
    return noun in text or any(w in text for w in needed)


def _elided_count(q: Question, text: str) -> bool:
    """Whether `text` (normalised) gives the count asked with its noun left out after the question's own verb:
    "每个乡镇推荐几名学员" by 「每个乡镇（街道）推荐5名。」 — the verb, the figure and the unit, then no word (a noun after
    the unit, 「推荐5名保洁员」, counts another thing). The caller checks that the document names the noun."""
    form = re.search(r"(?:多少|几)" + re.escape(q.unit), q.norm) if q.unit else None
    verb = words(q.norm[: form.start()])[-1:] if form else []
    if not verb or len(verb[0]) < 2:
        return False
    return re.search(re.escape(verb[0]) + r"了?\d+(?:\.\d+)?" + re.escape(q.unit) + r"(?![\u4e00-\u9fff])",
                     text) is not None


def _added_scope(word: str, text: str) -> bool:
    """Whether `word` is a kind of place made of common words (_common_compound) joined to a name as an extra scope
    ("东山县及其周边地区", "临江市及周边地区"): the name is asked about, the surroundings need not be repeated.
    "青石镇周边地区的…" asks about the surroundings themselves: the word stays a name to be matched."""
    return _common_compound(word) and re.search(rf"(?:及其?|和|与|、)\s*{re.escape(word)}", text) is not None


def _common_compound(word: str) -> bool:
    """Whether a compound of two words or more has only common words as its two-character parts ("周边地区" → 周边,
    边地, 地区: a kind of place, no name; "东山地区" has 东山, no common word; "海口市" is one word and a unit, a
    name even though 同义词词林 lists 海口)."""
    parts = compound_parts(word)
    return len(parts) >= 2 and all(common_word(p) for p in parts)


def _label_words(q: Question, label: str) -> list[str]:
    """The question's content words (two characters or more) that a list item's label names."""
    text = normalize_variants(label)
    return [w for w in words(q.content) if len(w) >= 2 and w in text]


def _label_words_missing(needed: list[str], label: str) -> bool:
    text = normalize_variants(label)
    return any(w not in text for w in needed)


# a figure stated: digits or a numeral with its measure word, not the vague 几 ("近几年", "几个部门")
# (a lone 一 before a measure word is mostly an article or a word's part, no count: 「一次性创业补贴」, 「一项重要工作」)
_STATED_FIGURE = re.compile(rf"\d|(?:[一二两三四五六七八九十百千万]{{2,}}|[二两三四五六七八九十百千万])[{MEASURE_CHARS}]|分之")


# a question asking how long ("多少年", "几个年头", "多长时间", "多久"), and a span of years in a text ("过去一年",
# "近三年", "5年来"): only such a question is answered by the span
_DURATION_Q = re.compile(r"(?:多少|几)个?年(?!级|度)|多长时间|多久")
_YEARS_SPAN = re.compile(r"[\d一二两三四五六七八九十百]+\s*个?年(?!级|度)")
# a heading's or list item's own numbering: "一、", "（二）", "3.", "第四章"
_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.、．](?!\d)"
                        r"|第[一二三四五六七八九十\d]+[章节条部分])\s*")


def _states_asked(q: Question, text: str) -> bool:
    """Whether the text already states the figure or date a number/date question asks for. For a number, a year,
    a date or an article number is no figure, nor is a heading's own numbering, nor a span of years unless the
    question asks how long: "一、2023年工作回顾" and "一、过去一年工作回顾" state none."""
    norm = normalize(text)
    if q.what == "number":
        norm = _NO_AMOUNT.sub("", _NUMBERING.sub("", norm))
        if not _DURATION_Q.search(q.norm):  # a span of years ("过去一年", "近三年来") answers only a "how long"
            norm = _YEARS_SPAN.sub("", norm)
        return bool(_STATED_FIGURE.search(norm))
    return bool(q.what == "date" and _DATE_FIGURE.search(norm))


_ASIDE = re.compile(r"\([^()]*\)")  # a bracketed aside (normalised text: brackets are ASCII)


def _fact_sentence(q: Question, c: Candidate) -> str:
    """The text of a candidate whose years are those of the fact asked (normalised): of two sentences, the only one
    that states a figure or date as asked (_states_asked) and names the counted noun or the attribute asked
    (「全年签约企业11家。2021年全乡粮食产量…」 states 企业 in its first sentence, whose year is not the
    second's 2021); else the whole candidate."""
    if c.sentences != 2 or q.what not in ("number", "date"):
        return c.norm
    stating = [x for x in _SENTENCE_SPLIT.split(c.norm) if x and _states_asked(q, x)
               and (not q.noun or len(q.noun) < 2 or _names_counted(q.noun, x))
               and all(names(x, w) for w in attribute_words(q.attribute))]
    return stating[0] if len(stating) == 1 else c.norm


def _heading_context(text: str, start: int) -> str:
    """The heading over the sentence at `start` of a chunk's `text`, raw text: the heading opening its paragraph, up
    to its first full stop or colon (「一、考核得分。甲镇得分95.5分…」 → "一、考核得分"), else the nearest heading line
    above the paragraph in the chunk (ingest.headings.heading_level: 「（二）…」); "" when none. Not the paragraph's
    other sentences: 「一般公共预算收入2.15亿元；一般公共预算支出3.42亿元」 does not head the second with the first."""
    line_start = text.rfind("\n", 0, start) + 1
    paragraph = text[line_start:start]
    if paragraph.strip() and heading_level(paragraph) is not None:
        return re.split(r"[。:：]", paragraph, maxsplit=1)[0]
    return next((line for line in reversed(text[:line_start].split("\n")) if heading_level(line) is not None), "")


def _fact_and_before(q: Question, c: Candidate) -> tuple[str, str]:
    """The candidate's text stating the fact asked (_fact_sentence, normalised) and the text of the candidate before
    it ("" unless it is the second of two sentences): what dates the fact when it names no year or part of a year
    itself, before the sentences of the document before the candidate."""
    text = _fact_sentence(q, c)
    return text, (c.norm[: c.norm.find(text)] if text != c.norm else "")


def _stated_years(sentence: str) -> set[str]:
    """The years a sentence (normalised) states ("2023年"), less the base years of comparisons ("比2022年")."""
    return set(_STATED_YEAR.findall(sentence)) - set(_COMPARED_YEAR.findall(sentence))


def _doc_years(c: Candidate) -> set[str]:
    """The years a candidate's document names in its title and date (a news record's, moved into the metadata by
    ingest.clean.split_metadata): "云岫镇2023年政府工作报告" → {"2023"}."""
    return set(_YEAR.findall(normalize(c.hit.chunk.doc_title + " " + c.hit.chunk.doc_meta.get("date", ""))))


def _doc_year(c: Candidate) -> str:
    """The one year a candidate's document is of (_doc_years); "" when it names none or several."""
    years = _doc_years(c)
    return next(iter(years)) if len(years) == 1 else ""


def _with_lead(q: Question, e: Evidence) -> Evidence:
    """The quote widened to the short heading before it that matched the question; a heading that itself states
    the figure or date asked ("(一)起步阶段:2011年—2013年") is the whole answer, without the text under it."""
    assert e.lead is not None
    heading = e.hit.chunk.text[e.lead : e.start].rstrip()
    # (a line of the same list stating another place's figure, 「甲镇42.6亿元」 over 「乙镇35.8亿元」, heads nothing)
    if _other_places_figures(normalize(heading), q.norm):
        return e
    # (... when it names the grade asked: "第四条 补贴标准：D级…4.5万元；" heads the C级 sentence, no answer to it)
    if _states_asked(q, heading) and _names_grades(q, normalize(heading)):
        return replace(e, start=e.lead, end=e.lead + len(heading))
    return replace(e, start=e.lead)


def _join_adjacent(chosen: list[Evidence]) -> list[Evidence]:
    """Sentences that follow each other (or overlap) in one context are one passage, quoted and cited once."""
    out: list[Evidence] = []
    for e in chosen:
        last = out[-1] if out else None
        if last is not None and last.n == e.n and e.start - last.end <= 2:
            out[-1] = replace(last, end=max(last.end, e.end), score=max(last.score, e.score))
        else:
            out.append(e)
    return out
