"""What a question asks for: across documents or not, which kind of answer, which figure; pure functions."""

from __future__ import annotations

import re

from ingest.tokenize import entities, normalize_variants

# questions across documents: "各地…", "…分别…", "不同材料中…", "哪些材料…", "A和B…分别"
_COMPARE_Q = re.compile(r"各地|分别|不同(的)?(文章|材料|地方)|哪些(材料|文章|地方)|各(文章|材料)")
# words with which a question asks about the sources themselves ("不同材料中的说法是否一致"), not their content
ABOUT_SOURCES = frozenset("材料 说法 描述 一致 不同 各地".split())
# the words that make a sentence a question ("有多大比例", "哪几年"): they are not what it is about
QUESTION_FORM = re.compile(r"是?什么意思|含义是什么|为什么|为何|多大|多少|多长|多久|多高|哪几|哪一?年|几月|何时|是什么|什么")
_NUMBER_Q = re.compile(r"多少|几[个项名次家年位类条种倍]|几$|几？|比例|占.*?多|百分")
_DATE_Q = re.compile(r"哪[一几]?年|何时|什么时候|哪年|几月|哪个时间")
_LIST_Q = re.compile(r"哪些|哪几|有何|包括|分别|哪[三四五六]")
_WHY_Q = re.compile(r"为什么|为何|原因|如何|怎么|怎样|意味着|指的是|什么意思")
_NUMBER_UNIT = re.compile(r"\d+(\.\d+)?\s*(%|个|项|名|家|次|类|万|亿|公里|平方米|年|月|位|镇|县|倍)"
                          r"|[一二三四五六七八九十百千万]+[个项名家次类]|[一二三四五六七八九十百]+分之[一二三四五六七八九十]|[一二三四五六七八九]成"
                          # a Chinese-numeral amount with a place unit: 三万人, 八十平方公里, 五百万元
                          r"|[一二三四五六七八九十百千两]*[十百千万亿](?:[人户元亩]|(?:平方)?公里)")
# a year: 2023年, or written in Chinese numerals as 公文 date it (二〇二四年)
_DATE = re.compile(r"(19|20)\d{2}\s*年|[〇零一二三四五六七八九]{4}\s*年")
_CAUSE = re.compile(r"因为|由于|导致|原因|所以|因此|从而|造成|以至于|意味着|一方面|为了")
# "在多少个乡镇…", "几项人事管理权": the unit and the noun after it
_FIGURE_Q = re.compile(r"(?:多少|几)([个项名家次类位条种所])([\u4e00-\u9fff]{2})?")


PLACE_UNITS = "省市县区镇乡村"
"""The administrative units a place name ends with (省 province … 村 village)."""


def name_stem(name: str) -> str:
    """"河北省" → "河北": documents often drop the administrative suffix."""
    name = re.sub(r"(人民)?(政府|党委)$", "", name)
    return name[:-1] if len(name) > 2 and name[-1] in PLACE_UNITS else name


def question_kind(question: str) -> str:
    """compare (across documents), or what a single answer must hold: date, number, list, explain, fact."""
    return "compare" if _COMPARE_Q.search(question) or compared_places(question) else answer_kind(question)


def answer_kind(question: str) -> str:
    """What each answering sentence must hold, also inside a question across documents."""
    if _DATE_Q.search(question):
        return "date"
    if re.search(r"哪几|哪些", question):  # "分为哪几类" asks for the items, "分为几类" for their number
        return "list"
    if _NUMBER_Q.search(question):
        return "number"
    if _LIST_Q.search(question):
        return "list"
    if _WHY_Q.search(question):
        return "explain"
    return "fact"


def kind_bonus(kind: str, sentence: str) -> float:
    if kind == "number":
        return 0.35 if _NUMBER_UNIT.search(sentence) else -0.2
    if kind == "date":
        return 0.35 if _DATE.search(sentence) else -0.2
    if kind == "list":
        return 0.2 if sentence.count("、") >= 2 or "；" in sentence or ";" in sentence else 0.0
    if kind == "explain":
        return 0.15 if _CAUSE.search(sentence) else 0.0
    return 0.0


_DEFINE_Q = re.compile(r"^(?:什么是|何为|何谓)(?P<a>.+?)[？?]?$|^(?P<b>.+?)(?:指的是|是指|的含义是|的意思是|是)什么(?:意思)?[？?]?$")


def definition_pattern(question: str) -> re.Pattern[str] | None:
    """"扩权强镇指的是什么？" → a pattern for the sentence that defines the term: "扩权强镇指的是…", "所谓扩权强镇"."""
    m = _DEFINE_Q.search(question.strip())
    if m is None:
        return None
    term = m.group("a") or m.group("b")
    quoted = re.findall(r"“([^”]+)”", term)
    term = normalize_variants(quoted[-1] if quoted else re.split(r"[，,]", term)[-1]).strip("“”\"' ")
    if len(term) < 2:
        return None
    return re.compile(rf"所谓“?{re.escape(term)}|{re.escape(term)}”?(?:就?是指|指的?是|就是|即|是)")


_WHICH_PLACE_Q = re.compile(rf"哪一?个[{PLACE_UNITS}]")


def asks_for_place(question: str) -> bool:
    """"东平市哪个镇…", "赴哪个市…": the answer is a place name."""
    return bool(_WHICH_PLACE_Q.search(question))


def figure_pattern(question: str) -> re.Pattern[str] | None:
    """"在多少个乡镇开展" → a pattern for "13个乡镇": the figure asked for, with its unit and the noun after it."""
    m = _FIGURE_Q.search(question)
    if m is None:
        return None
    unit, noun = m.group(1), m.group(2) or ""
    return re.compile(rf"(\d+|[一二两三四五六七八九十百千]+){unit}{re.escape(noun)}")


_ORDINALS = "一二三四五六七八九十"
_WORD_SEQUENCE = ("首先", "其次", "再次", "最后")
_ITEM_MARKERS = [
    # (pattern finding an item marker inside a sentence, successor pattern for the start of the next item)
    (re.compile(rf"([{_ORDINALS}])是"), lambda m: rf"{_succ(m)}是"),
    (re.compile(rf"(?:^|[:：。;；])\s*([{_ORDINALS}])、"), lambda m: rf"{_succ(m)}、"),
    (re.compile(rf"[(（]([{_ORDINALS}])[)）]"), lambda m: rf"[(（]{_succ(m)}[)）]"),
    (re.compile(r"(?:^|[:：])\s*(\d{1,2})[.、．](?!\d)"), lambda m: rf"{int(m) + 1}[.、．](?!\d)"),
    (re.compile(r"[(（](\d{1,2})[)）]"), lambda m: rf"[(（]{int(m) + 1}[)）]"),
    (re.compile("([\u2460-\u2472])"), lambda m: chr(ord(m) + 1)),  # ① → ② … ⑲ → ⑳
    (re.compile(r"(比如|例如)"), lambda m: m),
    (re.compile("(" + "|".join(_WORD_SEQUENCE[:-1]) + ")"),
     lambda m: "|".join(_WORD_SEQUENCE[_WORD_SEQUENCE.index(m) + 1 :])),
]


def _succ(numeral: str) -> str:
    i = _ORDINALS.index(numeral)
    return _ORDINALS[i + 1] if i + 1 < len(_ORDINALS) else "$^"  # nothing follows 十


def next_item(sentence: str) -> re.Pattern[str] | None:
    """The start of the next list item after the last item marker in this sentence:
    "主要表现在三方面:一、实质权力下放不够。" → "二、"; "首先,…" → "其次|再次|最后"; None without a marker."""
    found: tuple[int, str] | None = None
    for pattern, successor in _ITEM_MARKERS:
        for m in pattern.finditer(sentence):
            if found is None or m.start(1) >= found[0]:
                found = (m.start(1), successor(m.group(1)))
    return re.compile(rf"^\s*(?:{found[1]})") if found else None


def compared_places(question: str) -> list[str]:
    """Places the question joins to compare them: "河北和河南的…" → ["河北", "河南"]."""
    places = entities(question, min_len=2, flags=("ns",))
    pairs = [(a, b) for a, b in zip(places, places[1:], strict=False)
             if re.search(re.escape(a) + r"\s*[和与及、]\s*" + re.escape(b), question)]
    return list(dict.fromkeys(p for pair in pairs for p in pair))
