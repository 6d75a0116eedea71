"""Superlatives computed over a document's figures: 「哪个乡镇地区生产总值最多」, 「支出里哪一项最多」,
「排名第一的是哪个乡镇」.

A report lists one figure per item (a table row per town, a sentence per sub-district, clauses of one sentence split
by ；) and seldom says which is the largest. A question asking *which* item has the most or least of an attribute is
answered by the statement whose figure of that attribute is the extreme among the document's statements of it: the
arg-max / arg-min reading of a superlative over an enumerated set, as in table question answering (Pasupat & Liang,
"Compositional Semantic Parsing on Semi-Structured Tables", ACL 2015: superlatives as argmax/argmin over a column).

Only *which* questions are read this way (哪个/哪一项/谁 with 最多/最高/最少/最慢…, or a rank, 排名第一): a question
asking the figure of a superlative attribute ("最低气压是多少", "最大风力几级") names an attribute its document
states, and is left to the ranking. A document stating the superlative itself ("增速最慢的是甲乡") is left to the
ranking too (`states_superlative`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ingest.headings import FULL_STOP, LEAD_IN, heading_level
from ingest.normalize import normalize
from ingest.tokenize import PLACE_UNIT_END, PLACE_UNITS, unit_places, words
from rag.features import compound_parts, names
from rag.question import (
    GRADE,
    LEAST_CHARS,
    MEASURE_NOUN,
    MOST_CHARS,
    PLACE_KIND,
    WHOLE_PLACE,
    periods,
    units_of_kind,
)

__all__ = ["Statement", "Superlative", "by_value", "cut_inside_sentence", "document_statements", "extreme_statements",
           "states_superlative", "superlative"]

_EXTREME = re.compile(rf"最(?:(?P<max>[{MOST_CHARS}])|(?P<min>[{LEAST_CHARS}]))")
_RANK_NUMERAL = r"(?:[一二三四五六七八九十]{1,3}|\d{1,3})"
# a rank asked: 排名第一, 第一名, 排首位 (the least rank number); 排名最后, 末位 (the greatest)
_RANK_FIRST = re.compile(r"(?:排名|名次|排)(?:第(?:一|1)(?!\d)|首位|最前)|第(?:一|1)名|居首")
_RANK_NTH = re.compile(r"(?:排名|名次|排)第([二三四五六七八九十]{1,3}|[2-9]|[1-9]\d)(?!\d)(?:名|位)?|第([二三四五六七八九十]{1,3}|[2-9]|[1-9]\d)名")
_RANK_LAST = re.compile(r"(?:排名|名次|排)(?:最后|末位)|倒数第(?:一|1)(?!\d)|最后一名|末位")
_WHICH = re.compile(r"哪|谁")
# the form asking which item: 哪个乡镇, 哪一项, 哪些, 哪家企业 (the kind after 哪 is dropped from the attribute)
_WHICH_PHRASE = re.compile(rf"哪(?:一|几)?(?:个|项|家|所|类|种|位|座|条|些)?(?:乡镇|街道|[{PLACE_UNITS}])?|谁")
_WHICH_KIND = re.compile(r"哪(?:一|几)?(?:个|家|所|类|种|位|座|条|些)")
# the place kinds a which-question asks (哪个乡镇, 哪个街道或者镇): an answer names a place
_PLACE_KIND = re.compile(PLACE_KIND)
_PLACE_ASKED = re.compile(rf"哪(?:一|几)?个?(?:{_PLACE_KIND.pattern})(?:(?:或者?|和|及|、|还是)(?:{_PLACE_KIND.pattern}))*")
_PLACE_AFTER = re.compile(rf"最[{MOST_CHARS}{LEAST_CHARS}]的(?:{_PLACE_KIND.pattern})(?=(?:是|为)?哪)")
# a kind of place standing alone in a question (乡镇, 街道; a single unit character is part of a name, 甲镇)
_KIND_WORD = re.compile(r"乡镇|街道|村庄")
# the extreme figure asked ("…最高的是多少", "最多的有多少"): of the items of the kind the question names
_EXTREME_FIGURE = re.compile(rf"最[{MOST_CHARS}{LEAST_CHARS}](?:的)?(?:是|为|有|达到)?多少")
_PLACE_ENDS = ("街道", *PLACE_UNITS)
# a place opening a line or a clause ("甲街道上半年实现…", "2024年，乙镇…") or filling a table cell ("乡镇：乙镇｜")
_OPENING_PLACE = re.compile(rf"(?:^\s*|[:：|｜,，;；])([\u4e00-\u9fff]{{2,4}}?(?:街道|{PLACE_UNIT_END}))")
# a place named right after the place it is in ("甲镇乙村", "甲街道乙社区")
_INNER_PLACE = re.compile(rf"[\u4e00-\u9fff]{{2,4}}?(?:社区|街道|{PLACE_UNIT_END})")
_NO_NAME = re.compile(r"[年度]|乡镇")  # "年度乡", "度乡镇" of 「2023年度乡镇考核」 are no places
_PLACE_KIND_WORDS = frozenset({"乡镇", "街道", "社区", "村庄", *PLACE_UNITS, "或者", "还是", "以及"})
# words of time and of pointing (这次, 今年) say which document, not what its clauses state
_YEAR_WORD = re.compile(r"^(?:\d{2,4}|年|年度|上半年|下半年|全年|前三季度|[一二三四1-4]季度|第[一二三四1-4]季度"
                        r"|[今去上本当]年|[这本此该]次|期间|以来|当天|当日)$")
# the whole an enumeration is part of: 全县, 全市, 合计 (its figure is no item's)
_WHOLE = re.compile(rf"{WHOLE_PLACE}|合计|总计|总体|全部")
# a figure: digits with a scale and the unit after it (亿元, 万人, %, 分)
_VALUE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(万亿|亿|万|千)?\s*(%|[\u4e00-\u9fff]{0,2})")
_SCALE = {"": 1.0, "千": 1e3, "万": 1e4, "亿": 1e8, "万亿": 1e12}
_YEAR_OR_DATE = re.compile(r"^(?:年|月|日|号)")
# a rank stated: 排名：1, 名次:3, 第一名, 第3名
_RANK = re.compile(rf"(?:排名|名次)\s*[:：|]?\s*第?({_RANK_NUMERAL})(?!\d)|第({_RANK_NUMERAL})名")
# a growth rate asked by its name (增速, 增幅) is stated by its verb and a rate: 「增长7.2%」 (statistical bulletins)
_GROWTH_RATE = {"增速": "增长", "增幅": "增长", "降幅": "下降"}
_CHANGES = ("增长", "下降", "增加", "减少")  # the verbs of a change a clause states
_CHANGE_VERB = re.compile(r"(?<![\u4e00-\u9fff][增减])([增涨升减降跌])(?:得|的)?$")  # 减得(最多), not 增长/下降's
BRIDGE = "\u0000"  # the unit of a place's line stating no figure of the attribute (a line of the enumeration)
_PARTS_OF = re.compile(r"^(?:其中|分别为|分别是|[分从][^，,。]{1,10}看)")
ANY_UNIT = "*"  # an attribute named by a lead-in, its list's unit not yet seen
_NAME_CHARS = 6  # the characters of a place's or an item's name before its figure, at most (城东街道, 城乡社区)
_HAN = re.compile(r"[\u4e00-\u9fff]")
# the set a which-question picks from: "财政支出里哪一项", "各项收入中哪个" (the items are parts of the set)
_SET_FRAME = re.compile(r"(?P<set>[^，,。？?]{2,16}?)(?:里|中|当中|之中)(?:的)?哪")
_SENTENCE_END = re.compile(r"[。！!？?]+|\n")
_CLAUSE_END = re.compile(r"[；;，,]")
# the number of a list's item opening its line ("3.甲镇乙村（85分）"): its place in the list, no figure of it
_ITEM_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.．、](?!\d)")
# a lead-in saying its list is in order of a figure ("按得分从高到低排列", "排名如下"): an item's number is its rank
_ORDERED = re.compile(r"排列|排序|排名|名次|从高到低|由高到低|从大到小|依次")
# a caption over a list (「一类村庄」): a short line with no punctuation and no figure
_CAPTION = re.compile(r"^[\u4e00-\u9fffa-z0-9（）()]{2,20}$")
_CLAUSE_MARKS = frozenset("；;，,、：:")


@dataclass(frozen=True)
class Superlative:
    """A which-question's superlative: `most` (True: 最多/最高/排名最后… the greatest figure; False: 最少/最低/
    排名第一… the least), the attribute `words` whose figure is compared (jieba words of the question without the
    question form, the superlative, years and place kinds; () for a rank), `rank` (the figure compared is a rank),
    `place` (the units an item's name ends with when a place is asked: 哪个乡镇 → 乡, 镇, 街道; 哪个街道或者镇 →
    街道, 镇; () for any item), and `phrase`, the superlative as the question writes it (最慢,
    排名第一)."""

    most: bool
    words: tuple[str, ...]
    rank: bool
    place: tuple[str, ...]
    phrase: str
    nth: int = 0  # a rank asked by its number ("排名第三的是哪个乡镇" → 3): the item of that rank, not an extreme
    grades: tuple[str, ...] = ()  # the grades or classes the items are of ("2类村庄中…" → ("2类",), rag.question.GRADE)


@dataclass(frozen=True)
class Statement:
    """One item's figure: the chunk it is in, its span in the chunk text (characters), and its value (the number
    times its scale: 78.5亿 → 7.85e9) with its unit (亿元 → 元, % → %; "" for a rank), and its sentence's number."""

    chunk_id: str
    start: int
    end: int
    value: float
    unit: str
    sentence: int = 0  # the sentence's number in its document (reading order over its chunks)
    item: bool = True  # of one item of the kind asked (not of the whole, 全县; not of a place of another unit)


def superlative(question: str) -> Superlative | None:
    """The superlative a which-question (normalised text) asks, or the extreme figure of a kind of item
    ("乡镇…最高的是多少"), or None: a question asking no item (哪/谁) nor such a figure, or no extreme. "上半年哪个乡镇GDP增速最慢?" → Superlative(most=False, words=("gdp", "增速"), rank=False, place=True,
    phrase="最慢"); "排名第一的是哪个乡镇" → (most=False, words=(), rank=True, …). Raises nothing."""
    figure = _EXTREME_FIGURE.search(question)
    if not _WHICH.search(question) and not figure:
        return None
    rank = _RANK_FIRST.search(question) or _RANK_LAST.search(question)
    nth = _RANK_NTH.search(question) if _WHICH.search(question) and not rank else None
    rank = rank or nth
    m = rank or _EXTREME.search(question)
    if m is None:
        return None
    most = bool(_RANK_LAST.search(question)) if rank else m.group("max") is not None
    grades = tuple(GRADE.findall(question))  # (a class the items are of, 二类村庄: not an attribute's word)
    rest = GRADE.sub(" ", question[: m.start()] + " " + question[m.end() :])
    kind = _WHICH_KIND.search(rest)
    if kind and (after := words(rest[kind.end() :])):  # the kind of item asked (哪个部门): no attribute of it
        rest = rest[: kind.end()] + rest[kind.end() :].replace(after[0], " ", 1)
    rest = _WHICH_PHRASE.sub(" ", rest)
    # (nor is the whole the items are parts of, "全县哪个乡镇…": where, not what)
    # (a rank asked keeps its attribute, "地区生产总值排第三": read by value when the document states no ranks)
    attribute = tuple(w for w in words(rest) if w not in _PLACE_KIND_WORDS and not _YEAR_WORD.match(w)
                      and not (len(w) == 1 and _HAN.match(w)) and not _WHOLE.fullmatch(w))
    frame = _SET_FRAME.search(question)
    if frame and _PLACE_KIND.fullmatch(kind_set := GRADE.sub("", frame.group("set")).strip("的 ")):
        frame = None  # a group of places ("二类村庄中…哪个"): the kind of item asked, not a set of parts
        asked_kind = kind_set
    else:
        asked_kind = ""
    if not rank and frame and (named := [
            w for w in words(GRADE.sub(" ", frame.group("set"))) if not _YEAR_WORD.match(w)
            and not (len(w) == 1 and _HAN.match(w))]):
        # the items of a set ("财政支出里哪一项最多"): each names the set's head ("教育支出"), not its modifiers
        # (what the question says after the set is asked of each item too: "收入中哪个增长最快" → 收入, 增长)
        head = (compound_parts(named[-1]) or named[-1:])[-1]
        attribute = (head, *(w for w in attribute if w not in named and w != head))
    # a change asked by a one-character verb before the superlative ("减得最多", "涨得最快") compares that change
    if not rank and (verb := _CHANGE_VERB.search(question[: m.start()])) is not None:
        change = "增长" if verb.group(1) in "增涨升" else "下降"
        attribute = (*(w for w in attribute if w not in (change, verb.group(0), verb.group(1))), change)
    # a place the question names is whose items are compared ("松溪县…哪一项支出"), and a measure noun (金额, 数量)
    # is stated by the figure's unit: neither is a word each item's line names
    kept = tuple(w for w in attribute if not _places(w) and not (len(w) == 2 and MEASURE_NOUN.search(w)))
    attribute = kept or attribute
    if not rank and not attribute:
        return None
    # the kind of place asked: after 哪 (哪个街道或者镇), after the superlative ("最少的镇是哪个"), or, for a bare
    # 哪个/谁 or a figure asked, a kind word of the question ("一类乡镇排最后的是哪个", "乡镇…最高的是多少")
    asked = _PLACE_ASKED.search(question) or _PLACE_AFTER.search(question)
    kinds = (_PLACE_KIND.findall(asked.group(0)) if asked else [asked_kind] if asked_kind
             else _KIND_WORD.findall(question))
    units = tuple(dict.fromkeys(u for kind in kinds for u in units_of_kind(kind)))
    return Superlative(most, attribute, bool(rank), units, m.group(0),
                       _rank_number(nth.group(1) or nth.group(2)) if nth else 0, grades)


def states_superlative(sup: Superlative, text: str) -> bool:
    """Whether a passage (normalised) states the superlative itself of the attribute asked ("增速最慢的是…",
    "排名第一", "第一名"), so its own words answer and nothing is computed."""
    if sup.place and not _names_an_item(sup, text):  # 「对排名末位的乡镇…约谈」 names no place
        return False
    if sup.nth:
        return _rank_of(text) == sup.nth
    if sup.rank:
        return bool((_RANK_LAST if sup.most else _RANK_FIRST).search(text))
    # (as a predicate, "降雨量最大的是…"; not a noun's modifier, "最大风力出现在…")
    return (re.search(re.escape(sup.phrase) + r"(?=的|是|为|[，,。；;、]|$)", text) is not None
            and all(names(text, w) for w in sup.words))


def cut_inside_sentence(text: str, following: str = "") -> bool:
    """Whether a chunk's text ends inside a sentence: at a clause mark (；，、：), where the chunker cut a long
    sentence (ingest.chunk cuts at ； when a sentence exceeds the chunk size), and the next chunk's text
    (`following`, when known) does not open with a heading or a list's item ("（二）…", "3.…": a list's line ends
    with ； too); the next chunk holds its rest."""
    return text.rstrip()[-1:] in _CLAUSE_MARKS and heading_level(following.lstrip()) is None


def _sentences(text: str) -> list[tuple[int, int]]:
    """Spans of a chunk's full sentences, cut at 。！？ and line ends (a table row or a heading is one); not at ；,
    which ingest.chunk.sentence_spans also cuts at, since the clauses of a sentence share its subject."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if text[start : m.end()].strip():
            spans.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _clauses(text: str, sentences: list[tuple[int, int]]) -> Iterable[tuple[int, int, int, int]]:
    """(sentence number, sentence start, clause start, clause end) of a chunk's clauses: its sentences
    (`_sentences(text)`) cut at ； and ，."""
    for i, (opening, closing) in enumerate(sentences):
        start = opening
        for m in _CLAUSE_END.finditer(text, opening, closing):
            if text[start : m.end()].strip():
                yield i, opening, start, m.end()
            start = m.end()
        if text[start:closing].strip():
            yield i, opening, start, closing


def _figure_after(text: str, at: int) -> tuple[float, str] | None:
    """The first figure at or after `at` in a normalised clause: (value times scale, unit); a year, month or day
    (2024年, 6月) is skipped."""
    for m in _VALUE.finditer(text, at):
        unit = m.group(3) or ""
        if _YEAR_OR_DATE.match(unit):
            continue
        return float(m.group(1)) * _SCALE[m.group(2) or ""], unit[-1:] if unit else ""
    return None


def _rank_number(numeral: str) -> int:
    """"3" or "三" → 3; 0 when cn2an cannot read it."""
    if numeral.isdigit():
        return int(numeral)
    import cn2an  # a dependency of ingest.normalize

    try:
        return int(cn2an.cn2an(numeral, "smart"))
    except (ValueError, KeyError):
        return 0


def _rank_of(text: str) -> float | None:
    """The rank a passage (normalised) states ("排名：3", "第三名"), or None."""
    m = _RANK.search(text)
    if m is None:
        return None
    return float(_rank_number(m.group(1) or m.group(2))) or None


def _statement(sup: Superlative, clause: str, elided: tuple[str, str] | None, context: str = "",
               before: str = "", ordered: bool = False) -> tuple[float, str] | None:
    """The clause's figure of the attribute: after the attribute's last word when the clause names it and its
    sentence before it (`before`) or the clause names the other words ("…地区生产总值42.15亿元，增长6.4%" for
    地区生产总值 + 增速);
    else, when the clause before it in its sentence named the attribute (`elided`: its unit), the first figure of
    that unit ("…地区生产总值42.15亿元，增长6.4%；乙乡11.37亿元…"). `context`: the document's title, first line
    and the chunk's section heading (normalised), whose words need not be repeated by each clause. `ordered`: the
    clause is a line of a list its lead-in says is in order ("按得分从高到低排列"): its item number is its rank. An
    item's number opening the line ("3.甲村（85分）") is no figure of it."""
    number = _ITEM_NUMBER.match(clause)
    if sup.rank:
        value = _rank_of(clause)
        if value is None and ordered and number is not None:
            value = float(number.group(1))
        return (value, "") if value is not None else None
    at = number.end() if number is not None else 0
    if "|" in clause:
        return _cell_figure(sup, clause, context)
    said = [w for w in sup.words if names(clause, w) or (w in _GROWTH_RATE and _GROWTH_RATE[w] in clause)]
    # (a word the document's title or section heading names is said of all its rows: 综合考核 of 「…综合考核结果」)
    if sup.words[-1] in said and all(w in said or names(context, w) or names(before, w) for w in sup.words):
        ends = [clause.rfind(x) + len(x) for w in said for x in (w, _GROWTH_RATE.get(w, w)) if x in clause]
        return _figure_after(clause, max(ends, default=at))
    if (elided is not None and (m := _VALUE.search(clause, at))
            and len(_HAN.findall(_unnamed(clause[at : m.start()]))) <= _NAME_CHARS):
        # (only a name before the figure: "乙乡11.37亿元", "甲镇乙村（85分）"; not another attribute, "完成固定资产投资
        # 21.3亿元"; nor the opposite change, "增长18.9%" when declines are compared)
        changes = {x for w in sup.words for x in (w, _GROWTH_RATE.get(w, w)) if x in _CHANGES}
        if changes and any(x in clause for x in _CHANGES) and not any(x in clause for x in changes):
            return None
        got = _figure_after(clause, at)
        if got is not None and elided[1] in (got[1], ANY_UNIT):
            return got
    return None


def _cell_figure(sup: Superlative, row: str, context: str) -> tuple[float, str] | None:
    """The figure of the attribute in a table row (normalised, cells "header:value" joined by |): the value of the
    cell whose header names the most of the attribute's words, each of them named by that header, by the document's
    title or section (`context`), or, for a measure word (得分, 分数), by its unit in the header ("生态环境(20分)"
    for 生态环境 + 得分: 18.9, not the 20 of the header). None when no header names the attribute's last word or a
    measure of it."""
    best: tuple[int, tuple[float, str] | None] = (0, None)
    for cell in row.split("|"):
        header, colon, value = cell.partition(":")
        if not colon:
            continue
        said = [w for w in sup.words if names(header, w)]
        measure = [w for w in sup.words if w not in said and len(w) == 2 and w[-1] in header]
        if not said or not all(w in said or w in measure or names(context, w) for w in sup.words):
            continue
        if len(said) > best[0] and (got := _figure_after(value, 0)) is not None:
            best = (len(said), got)
    return best[1]


def _unnamed(text: str) -> str:
    """`text` without the places it names (_places): what else a list's line says before its figure."""
    for p in sorted(_places(text), key=len, reverse=True):
        text = text.replace(p, "")
    return text


def _names_an_item(sup: Superlative, clause: str) -> bool:
    """A statement is of one item: not of the whole (全县, 合计); for a place asked, it names a place of a unit
    asked (unit_places: a name and its administrative unit, 甲乡, 城东街道)."""
    if _WHOLE.search(clause):
        return False
    if not sup.place:
        return True
    return any(p.endswith(sup.place) for p in _places(clause))


def _places(text: str) -> list[str]:
    """The places a text (normalised) names with their unit, in order: a name jieba cuts from its unit (某地|乡,
    ingest.tokenize.unit_places) or keeps whole as a word the index learned (甲镇); not 全县, 本镇, 上述乡."""
    found = [(text.find(p), p) for p in unit_places(text)]
    found += [(text.find(w), w) for w in words(text) if len(w) >= 3 and w.endswith(_PLACE_ENDS)]
    # (a name of rare characters the segmenter cuts apart, 翠|屿镇: as a row's or a line's subject, or a cell)
    # (a list's item number is no part of it: "3.甲镇乙村（85分）")
    text = _ITEM_NUMBER.sub(lambda m: " " * len(m.group(0)), text)
    for m in _OPENING_PLACE.finditer(text):
        found.append((m.start(1), m.group(1)))
        if (inner := _INNER_PLACE.match(text, m.end(1))) is not None:
            found.append((inner.start(), inner.group()))
    return [p for _, p in sorted(set(found)) if not p.startswith(("全", "本", "各", "该", "上述", "所有"))
            and not _NO_NAME.search(p)]


def document_statements(sup: Superlative, chunks: Iterable[object], years: tuple[str, ...] = (),
                        asked_periods: frozenset[str] = frozenset()) -> list[Statement]:
    """Each figure of the attribute in a document's chunks, marked whether it is of an item asked, (objects with `chunk_id` and `text`), in reading
    order. A clause naming a year the question does not ask (`years`), or a part of a year it does not ask
    (`asked_periods`, rag.question.periods tokens), states another period's figure and is left out. A clause naming
    no item is of the item its sentence named before it ("甲镇…41.2亿元；完成固定资产投资15.8亿元。"): it is
    quoted from the sentence's start."""
    chunks = list(chunks)
    if len(sup.words) > 1:
        # a modifier the document never uses (台风期间 of a typhoon report saying 台风 only) cannot tell its clauses
        # apart: only the attribute's head and the modifiers it uses are required of a clause
        whole = normalize("\n".join([getattr(chunks[0], "doc_title", "")] + [c.text for c in chunks])) if chunks else ""
        sup = replace(sup, words=tuple(w for w in sup.words[:-1] if names(whole, w, synonyms=False)) + sup.words[-1:])
    # (the document's own first line is its title as written, whatever title its metadata holds)
    opening_line = chunks[0].text.split("\n", 1)[0] if chunks else ""  # type: ignore[attr-defined]
    got: list[Statement] = []
    first = 0  # the document's number of the chunk's first sentence
    sentence, previous, said_before = -1, "", ""
    lead_in = lines_listed = False
    elided: tuple[str, str] | None = None
    listed_under = ""  # the lead-in of the list being read ("…地区生产总值如下：") and its lines, else ""
    over = ""  # the caption or heading line last read (「二类村庄」, 「二、农业」), normalised
    for k, chunk in enumerate(chunks):
        text = chunk.text  # type: ignore[attr-defined]
        context = normalize(f"{getattr(chunk, 'doc_title', '')}\n{opening_line}\n{getattr(chunk, 'section', '')}")
        last_opening = named_at = head_at = 0  # named_at: start of the sentence's last clause naming a place
        sentences = _sentences(text)
        for i, opening, start, end in _clauses(text, sentences):
            clause = normalize(text[start:end])
            if first + i != sentence:  # a new sentence: no attribute carried over, unless it lists the parts of
                # the total before it ("…规模以上工业企业122家。其中甲镇38家，…", "分乡镇看，…"), or is a line of
                # the list a lead-in announced ("…地区生产总值如下：" over "甲街道：42.6亿元")
                parts = bool(_PARTS_OF.match(clause))
                # (parts after a list read its lead-in too: "…各乡镇地区生产总值如下：" + lines, "从增速看，甲镇增长8.4%")
                previous = (listed_under + text[last_opening:opening]) if parts else ""
                whole_sentence = text[opening : sentences[i][1]]
                # (a caption over a part of the list, 「二类村庄」, goes on with it)
                caption = bool(_CAPTION.match(normalize(whole_sentence).strip()))
                if caption or heading_level(whole_sentence) is not None:
                    over = normalize(whole_sentence)
                if not (parts or caption or (lead_in and lines_listed)):
                    elided, lead_in = None, False
                if LEAD_IN.search(whole_sentence):
                    listed_under = whole_sentence
                elif FULL_STOP.search(whole_sentence):
                    listed_under = ""  # a sentence ended by 。 ends the list (its lines end by a line end)
                elif listed_under:
                    listed_under += whole_sentence
                sentence, named_at, last_opening, lines_listed, said_before = first + i, opening, opening, caption, ""
                head_at = opening
            naming = bool(_places(clause))
            named_at = start if naming else named_at
            if sup.words and names(clause, sup.words[0]):
                head_at = start  # the sentence's last clause naming the attribute's first word (an item's name)
            # (so is a line naming an item of the set asked, 「农林水支出4.36亿元，下降3.2%」 when increases are compared)
            # (not a heading nor a lead-in, which end a run: "二、主要支出项目", "主要支出项目情况如下：")
            if (naming and sup.place or (not sup.place and sup.words and names(clause, sup.words[0])
                                         and not _WHOLE.search(clause)
                                         and (heading_level(clause) is None or _VALUE.search(clause))
                                         and not LEAD_IN.search(clause))) and (not got or got[-1].sentence != first + i):
                # a place's line stating no figure of the attribute ("…同比增长3.1%" when declines are asked) is
                # still a line of the enumeration: it does not end it (_enumerations)
                got.append(Statement(chunk.chunk_id, start, end, math.nan, BRIDGE, first + i, False))
            if years and (stated := set(re.findall(r"((?:19|20)\d{2})年", clause))) and not stated & set(years):
                continue
            if asked_periods and (named := periods(clause)) and not named & asked_periods:
                continue
            figure = _statement(sup, clause, elided, context, normalize(previous + said_before + text[opening:start]),
                                bool(listed_under and _ORDERED.search(listed_under)))
            if figure is None:
                if sup.words and names(clause, sup.words[-1]) and LEAD_IN.search(clause):
                    elided, lead_in, lines_listed = ("", ANY_UNIT), True, True  # the lead-in of a list
                continue
            if sup.words and names(clause, sup.words[-1]):
                elided = ("", figure[1])
            elif elided is not None and elided[1] == ANY_UNIT:
                elided = ("", figure[1])  # the list's first line sets its unit
            lines_listed = True
            # (an item of a grade the question names, 「二类村庄中…」: the clause, the caption or heading over it, or
            # the chunk's section names it)
            item = _names_an_item(sup, clause)
            if sup.place and not item and start > opening and not _WHOLE.search(clause) and not naming:
                # a clause naming no place is of the place its sentence named last before it: quoted from there
                before = _places(normalize(text[named_at:start]))
                item = bool(before) and before[-1].endswith(sup.place)
                start = named_at if item else start
            elif not sup.place and sup.words and start > head_at and not names(clause, sup.words[0]):
                # a clause stating the figure of an item its sentence named before it ("节能环保支出0.88亿元，增长
                # 21.4%，"): quoted from the clause naming the item, which says whether it is an item (not 全县…)
                start = head_at
                item = _names_an_item(sup, normalize(text[start:end]))
            item = item and all(g in clause or g in over or g in context for g in sup.grades)
            if got and got[-1].unit == BRIDGE and got[-1].sentence == first + i:
                got.pop()
            end = start + len(text[start:end].rstrip())  # (a line's end is no part of its quote)
            got.append(Statement(chunk.chunk_id, start, end, figure[0], figure[1],  # type: ignore[attr-defined]
                                 first + i, item))
        first += len(sentences)
        if sentences and cut_inside_sentence(text, chunks[k + 1].text if k + 1 < len(chunks) else ""):  # type: ignore[attr-defined]
            # the chunk ends inside a sentence (a long list cut at ；): the next chunk's first sentence is its rest
            first -= 1
            said_before += text[sentences[-1][0] :] if sentence == first else ""
    return got


def _enumerations(statements: list[Statement]) -> list[list[Statement]]:
    """Runs of statements in sentences that follow one another (a table's rows, a line per town, the clauses of
    one sentence; a total or a place of another unit among them does not end it): a sentence stating no figure of
    the attribute, or a heading, ends a run."""
    runs: list[list[Statement]] = []
    for s in statements:
        last = runs[-1][-1] if runs else None
        unit = next((x.unit for x in reversed(runs[-1]) if x.unit != BRIDGE), BRIDGE) if runs else BRIDGE
        if last is not None and s.sentence - last.sentence <= 1 and (s.unit == unit or BRIDGE in (s.unit, unit)):
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


def extreme_statements(sup: Superlative, statements: list[Statement],
                       near: tuple[str, int, int] | None = None) -> list[Statement]:
    """The item with the extreme figure in the document's enumeration of the attribute: its longest run of
    statements listing two items or more (`_enumerations`; another run states totals, "支出安排31.62亿元。其中民生
    支出24.58亿元" beside the list of spending items); of equally long runs, the one holding the passage the question
    matched best (`near`: chunk id, start, end), or else the one run of that passage's chunk ("一类乡镇…排最后" in a
    document listing 一类 and 二类). Every item sharing the extreme is
    returned (a tie), in reading order; [] when no run compares two items or two runs are equally long."""
    runs = [items for run in _enumerations(statements) if len(items := [s for s in run if s.item]) >= 2]
    longest = [run for run in runs if len(run) == max(map(len, runs), default=0)]
    chosen = longest[0] if len(longest) == 1 else None
    if chosen is None and near is not None:  # equally long runs: the one holding the passage matched best
        chosen = next((run for run in longest if any(
            s.chunk_id == near[0] and s.start < near[2] and near[1] < s.end for s in run)), None)
    if chosen is None and near is not None:  # (or the one run in its chunk: the heading over it matched best)
        in_chunk = [run for run in longest if any(s.chunk_id == near[0] for s in run)]
        chosen = in_chunk[0] if len(in_chunk) == 1 else None
    if chosen is None:
        return []
    if sup.nth and not sup.rank:  # the nth by value ("排第三" read over figures): the nth greatest
        values = sorted({s.value for s in chosen}, reverse=sup.most)
        if len(values) < sup.nth:
            return []
        return [s for s in chosen if s.value == values[sup.nth - 1]]
    extreme = sup.nth or (max if sup.most else min)(s.value for s in chosen)
    return [s for s in chosen if s.value == extreme]


def by_value(sup: Superlative) -> Superlative | None:
    """A rank asked of an attribute ("地区生产总值排第三的是哪个乡镇") read over the attribute's figures, for a
    document stating no ranks: the first is the greatest, the last the least, the nth the nth greatest. None for a
    rank asked of no attribute ("排名第一的是哪个乡镇")."""
    if not sup.rank or not sup.words:
        return None
    return replace(sup, rank=False, most=not sup.most or bool(sup.nth))
