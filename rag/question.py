"""What a question asks for: across documents or not, which kind of answer, which figure; pure functions."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.headings import heading_name
from ingest.normalize import MEASURE_CHARS, normalize
from ingest.tokenize import (
    PLACE_UNIT_END,
    PLACE_UNITS,
    abbreviations,
    entities,
    glued_units,
    lexical_cache,
    subject_phrase,
    trailing_noun_phrase,
    unit_places,
    words,
)

# questions across documents: "各地…", "…分别…", "不同材料中…", "哪些材料…", "A和B…分别"
_COMPARE_Q = re.compile(r"各地|分别|不同(的)?(文章|材料|地方)|哪些(材料|文章|地方)|各(文章|材料)")
# words with which a question asks about the sources themselves ("不同材料中的说法是否一致"), not their content
ABOUT_SOURCES = frozenset("材料 说法 描述 一致 不同 各地".split())
# a length asked by its adjective: 多长 (not a duration: 多长时间), 多远, 多宽, 多深, 多厚 (多高 and 多大 also ask
# rank or degree, "级别有多高": left to the other forms)
_LENGTH_Q = r"多(?:长(?!时间|时|期)|远|宽|深|厚)"
# an area asked by 多大 ("建筑面积有多大", "多大面积"; 多大 alone also asks an age or a degree)
_AREA_Q = r"面积[^,，;；?？]{0,3}多大|多大的?面积"
_NUMBER_Q = re.compile(rf"多少|几[{MEASURE_CHARS}]|几$|几？|比例|占.*?多|百分|{_LENGTH_Q}|{_AREA_Q}")
# the physical quantity a question asks by a measure noun ending its attribute (高度, 面积) or by a length adjective
# (_LENGTH_Q), with the units that state it: the legal units of measurement of China (中华人民共和国法定计量单位,
# 国务院 1984) with their everyday Chinese forms (公里, 亩, 斤) and symbols as NFKC lower-cases them (㎡ → m2,
# ℃ → °c). A height is given in 米, not in 吨; a figure in another dimension answers no such question.
DIMENSIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?:长度|高度|宽度|深度|厚度|距离|里程|海拔|直径|半径|跨度|身高|全长|总长)$"),
     "米|公里|千米|厘米|毫米|里|英里|英尺|海里|km|cm|mm|m"),
    (re.compile(r"面积$"), "平方米|平方公里|平方千米|亩|公顷|平米|km2|m2"),
    (re.compile(r"(?:重量|体重|载重|净重|毛重)$"), "吨|公斤|千克|克|斤|磅|kg"),
    (re.compile(r"(?:温度|气温|水温|体温)$"), "摄氏度|华氏度|度|°c|°f"),
    (re.compile(r"(?:容积|库容|体积|排量|蓄水量)$"), "立方米|立方|升|毫升|方|m3"),
)
_LENGTH_UNITS = DIMENSIONS[0][1]
_AREA_UNITS = DIMENSIONS[1][1]
_DATE_Q = re.compile(r"哪[一几]?年|何时|什么时候|哪年|几月|哪个时间|哪[一几]?[天日]")
# a day asked (「哪天开始」, 「哪几天」): answered by a date naming its day (rag.answer); so is a deadline (「申报什么时候
# 截止」, 「截止日期是什么时候」): a notice closes on a day, not in a year (「2025年度…申报工作」 gives none)
DAY_Q = re.compile(r"哪[一几]?[天日]|(?:什么时候|何时)截止|截止(?:时间|日期)")
# the everyday way of asking a day, 几号 (几月几号, 几月几日), read as 哪天; not a numbered thing (几号线, 几号文件,
# 几号楼) nor a count of days (几日内)
_DAY_WORDING = re.compile(r"(?:几月)?几[号日](?![线楼院文令门窗口机车桥站台内来])")
# a noun before 有多少/有几 (「…企业有多少家」, 「…企业共有几家」): what the measure word counts
_HAS_BEFORE = re.compile(r"([\u4e00-\u9fff\d]{2,20}?)(?:一共|总共|共|总计|累计)?有$")
# the everyday way of asking the person holding a role, 「镇长叫什么名字」, read as 「镇长是谁」 (a role noun ends with
# its head: 长, 书记, 主任, 委员, 负责人, 作者…); a thing's name (「这个项目叫什么名字」) is asked as written
_ROLE_NAME_Q = re.compile(r"(?<=[长记任员人者师官])(?:的?名字(?:是什么|叫什么)|叫什么(?:名字)?|姓甚名谁)(?=[?？]?$)")
# (the normaliser writes 哪三个 as 哪3个: ingest.normalize turns a numeral before a measure word into digits)
_LIST_Q = re.compile(r"哪些|哪几|有何|包括|分别|哪(?:[两二三四五六七八九十]|[2-9](?!\d)|10)")
_WHY_Q = re.compile(r"为什么|为何|原因|如何|怎么|怎样|意味着|指的是|什么意思")
# "在多少个乡镇…", "几项人事管理权": the unit and the noun after it
_FIGURE_Q = re.compile(r"(?:多少|几)([个项名家次类位条种所])([\u4e00-\u9fff]{2})?")


def name_stem(name: str) -> str:
    """"河北省" → "河北", "东湖街道" → "东湖": documents often drop the administrative suffix."""
    name = re.sub(r"(人民)?(政府|党委)$", "", name)
    if len(name) > 3 and name.endswith("街道"):
        return name[:-2]
    return name[:-1] if len(name) > 2 and name[-1] in PLACE_UNITS else name


def question_kind(question: str) -> str:
    """compare (across documents), or what a single answer must hold: date, number, list, explain, fact."""
    return "compare" if _COMPARE_Q.search(question) or compared_places(question) else answer_kind(question)


def answer_kind(question: str) -> str:
    """What each answering sentence must hold, also inside a question across documents."""
    if _DATE_Q.search(question):
        return "date"
    if re.search(r"哪几|哪些|哪(?:[两二三四五六七八九十]|[2-9](?!\d)|10)", question):  # "哪两类许可": two items
        return "list"
    if _NUMBER_Q.search(question):
        return "number"
    if _LIST_Q.search(question):
        return "list"
    if _WHY_Q.search(question):
        return "explain"
    return "fact"


_DEFINE_Q = re.compile(r"^(?:什么是|何为|何谓)(?P<a>.+?)[？?]?$|^(?P<b>.+?)(?:指的是|是指|的含义是|的意思是|是)什么(?:意思)?[？?]?$")


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
    "问题有三:一、资金不足。" → "二、"; "首先,…" → "其次|再次|最后"; None without a marker."""
    found: tuple[int, str] | None = None
    for pattern, successor in _ITEM_MARKERS:
        for m in pattern.finditer(sentence):
            if found is None or m.start(1) >= found[0]:
                found = (m.start(1), successor(m.group(1)))
    return re.compile(rf"^\s*(?:{found[1]})") if found else None


def compared_places(question: str) -> list[str]:
    """Places the question joins to compare them: "河北和河南的…" → ["河北", "河南"]; a place is what jieba tags as
    one (ns), or a name of any tag that ends in an administrative unit ("石桥镇和青禾镇…": jieba tags unknown town
    names as person names), or a noun it cut from its unit (ingest.tokenize.unit_places)."""
    tagged_places = set(entities(question, min_len=2, flags=("ns",)))
    places = [w for w in entities(question, min_len=2, flags=("ns", "nr", "nt"))
              if w in tagged_places or w[-1] in PLACE_UNITS]
    for p in unit_places(question):  # a place jieba cut from its unit (石岭|镇) is joined to it
        places = [p if p.startswith(x) else x for x in places]
        if p not in places and not any(p in x for x in places):
            places.append(p)
    places.sort(key=question.find)
    pairs = [(a, b) for a, b in zip(places, places[1:], strict=False)
             if re.search(re.escape(a) + r"\s*[和与及、]\s*" + re.escape(b), question)]
    if not pairs:
        # two names with their units joined ("…年云台镇和雾溪镇…", which jieba may cut as 云台|镇和雾溪镇): the second
        # name runs from the conjunction to the unit; the first is taken as long as the second (the text before it
        # has no boundary to read)
        m = _JOINED_UNIT_PLACES.search(question)
        if m:
            b = m.group("b")
            pairs = [(m.group("a")[-len(b):] + m.group("u"), b + m.group("v"))]
    return list(dict.fromkeys(p for pair in pairs for p in pair))


_JOINED_UNIT_PLACES = re.compile(rf"(?P<a>[\u4e00-\u9fff]{{2,3}})(?P<u>[{PLACE_UNITS}])\s*[和与及、]\s*"
                                 rf"(?P<b>[\u4e00-\u9fff]{{2,3}}?)(?P<v>{PLACE_UNIT_END})")


def spell_out(question: str, used: Callable[[str], bool]) -> str:
    """The question with each abbreviation of a statistical indicator (ingest.tokenize.abbreviations: GDP, CPI,
    规上…) that the documents never use replaced by the first of its names they do use (`used(name)`: whether some
    document writes it, e.g. Index.mentions): "青禾镇2023年GDP是多少？" → "青禾镇2023年地区生产总值是多少？" over
    documents that write only 地区生产总值. Unchanged when no document uses any of its names."""
    for short, names in abbreviations().items():
        pattern = re.compile(rf"(?<![A-Za-z]){re.escape(short)}(?![A-Za-z])", re.IGNORECASE)
        if not pattern.search(question) or used(short):
            continue
        name = next((n for n in names if used(n)), None)
        if name is not None:
            question = pattern.sub(name, question)
    return question


def compared_things(question: str) -> tuple[str, ...]:
    """Two things a question joins with 和/与/及 and asks about one by one (分别, 各自) or compares by a quantity
    (哪个…更多, 谁…高: "医院和学校哪个投资多"): "鸿川科技和鸿川农业2023年的营业收入分别是多少" → ("鸿川科技",
    "鸿川农业"). Each is the run of 2–8 Chinese characters between the conjunction
    and the nearest boundary (the question's start, a figure, punctuation, or a word that opens or closes a noun
    phrase: 在/对/从…, 的/分别/是/有…); read from the characters, not the segmenter, which cuts unknown names
    apart. () otherwise."""
    if not _EACH.search(question):
        return ()
    m = _JOINED_THINGS.search(question)
    return (m.group("a"), m.group("b")) if m and m.group("a") != m.group("b") else ()


_EACH = re.compile(r"分别|各自|" + r"(?:哪个|哪一个|谁)(?P<attr>[^，,;；?？]{1,12}?)(?:更|较|比较)?[多少高低大小快慢长短]"
                   r"(?=[?？]?$)")
# (a thing may be named with its number, "6号线二期", which the normaliser writes 6号线2期; a year before it is no part
# of its name, "2023年华盛科技…")
_NAMED_CHAR = r"(?:(?!的)(?:[\u4e00-\u9fff]|\d(?!\d*年)))"
_JOINED_THINGS = re.compile(rf"(?:^|(?<=[\d，,。；;：:、年在对从把将向给让被的]))(?P<a>(?!年)(?:\d+号|[\u4e00-\u9fff]){_NAMED_CHAR}{{1,7}}?)"
                            rf"[和与及](?P<b>(?:\d+号|[\u4e00-\u9fff]){_NAMED_CHAR}{{1,7}}?)"
                            r"(?=\d|的|分别|各自|是|有|在|为|哪|谁|[，,？?])")


_JOINED_YEARS = re.compile(r"(?<!\d)((?:1[5-9]|20)\d{2})\s*年?\s*[和与及、]\s*((?:1[5-9]|20)\d{2})\s*年(?!\d)")


def compared_years(question: str) -> tuple[str, ...]:
    """Years the question joins to compare them: "2022年和2023年的…分别是多少" → ("2022", "2023"); () when it joins
    none (a range, "2020年至2023年", is one period, not two parts)."""
    m = _JOINED_YEARS.search(question)
    return (m.group(1), m.group(2)) if m and m.group(1) != m.group(2) else ()


# ---------------------------------------------------------------------------------------------------------------
# Question analysis for the learned answerer: everything is read from the normalised question (ingest.normalize).

# 多少/几 + a measure word: "多少名河长" → unit 名, noun 河长 (the measure word must not glue onto the noun)
_HOW_MANY = re.compile(rf"(多少|几)(周年|公里|平方米|万元|亿元|[{MEASURE_CHARS}]|万|亿)?")
_YEAR = re.compile(r"(?<!\d)((?:1[5-9]|20)\d{2})\s*年?(?!\d)")
# question forms that say what kind of answer is wanted, not what it is about
# 哪 + a measure word (哪家, 哪部, 哪所) and 多 + a dimension (多长, 多大) are question forms too, and the 是 before
# 谁/如何/怎样/怎么 belongs to the form ("…材料中是怎么描述的" is not about "中是")
_FORMS = re.compile(r"是?什么意思|含义是什么|指的是什么|是指什么|分为哪几|有什么区别|有何区别|区别是什么"
                    r"|有什么不同|有哪些|是哪些|包括哪些|哪几|为什么|为何|是什么|什么|多少|几|哪些|哪个|哪里|哪儿|哪一?年"
                    rf"|哪[一二两三四五六七八九十\d]*[{MEASURE_CHARS}部本首座届场支间只]|多[长大高远久宽深重厚]|何时|是?谁|是?(?:如何|怎样|怎么)")
# a superlative: 最 + a character of the greatest (最多, 最高) or of the least (最少, 最慢), or a last rank (倒数第一,
# 排名最后); a regex alternation shared by question analysis, rag.extreme and follow-ups (rag.engine.condense)
MOST_CHARS = "多高大快长强"
LEAST_CHARS = "少低小慢短弱"
SUPERLATIVE = rf"最[{MOST_CHARS}{LEAST_CHARS}]|倒数第[一1]|排名?(?:最后|末位)"
# a superlative as a which-question's predicate ("哪个街道…最多", "得分最低的是哪个乡镇"): it says how the item asked
# is picked from its document's items (rag.extreme), not what a passage about it says; before a noun it is part of
# what is asked ("最大风力", "最低气压")
_PREDICATE_END = rf"(?=的?(?:乡镇|街道|[{PLACE_UNITS}])?(?:是|为)?(?:\s|哪|谁|[?？]?$))"
_PREDICATE_SUPERLATIVE = re.compile(rf"(?:{SUPERLATIVE}|最后一名){_PREDICATE_END}")
WHICH_SUPERLATIVE = re.compile(r"(?:哪|谁).*" + _PREDICATE_SUPERLATIVE.pattern + r"|" + _PREDICATE_SUPERLATIVE.pattern + r".*(?:哪|谁)")
# (so is a rank asked, "排名第一的是哪个乡镇", "第三名是谁"; a document may state it as it is, 「分列第1、6位」, so a
# rank does not make a which-question one that only a computed superlative answers, WHICH_SUPERLATIVE)
_RANK_ASKED = r"(?:排名|名次|排)(?:第[一二三四五六七八九十\d]{1,3}(?:名|位)?|首位|最前)|第[一二三四五六七八九十\d]{1,3}名|居首"
_PREDICATE_FORM = re.compile(rf"(?:{SUPERLATIVE}|最后一名|{_RANK_ASKED}){_PREDICATE_END}")
# a person asked for by the role they hold: "青溪镇党委书记是谁", "谁是…公司的董事长" (the role is what the passage
# must name, as an attribute is for a figure)
_WHO_Q = re.compile(r"^(?P<a>.+?)是谁[?？]?$|^谁是(?P<b>.+?)[?？]?$")
_PARTS = re.compile(r"^(?P<a>.+?)(?:和|与|跟|同)(?P<b>.+?)(?:有什么|有何|的)?(?:区别|不同|异同)")
# "哪两类", "哪三个方面": a list question naming how many items it wants
_COUNTS = "两三四五六七八九十"
_COUNT_Q = re.compile(rf"哪([{_COUNTS}]|[2-9](?!\d)|10)")
def _count(numeral: str) -> int:
    return int(numeral) if numeral.isdigit() else _COUNTS.index(numeral) + 2


_FOLLOW_UP_HEAD = re.compile(r"^(那么|那|还有|另外|此外)")
# the subject a question opens with: its first words before 的, a figure, a year word or a verb of being
OPENING_SUBJECT = re.compile(r"^[\u4e00-\u9fff]{2,12}?(?=的|\d|是|有|在|为|共|去年|今年|上年)")
# a question asking whom to turn to (「有问题找谁」, 「可以联系谁」): a notice names its contact, 联系人, for that
_CONTACT_Q = re.compile(r"(?:有(?:问题|疑问|困难)|需要咨询)?(?:应该|可以|该)?(?:找谁|联系谁|问谁)")
# what makes a sentence of a message a question
_ASKS = re.compile(r"什么|哪|多少|几|谁|怎|如何|为何|何时|是否|吗|呢")
# the kinds of place a question names: 乡镇 (a township or a town), 街道 (a sub-district), or a unit (镇, 县)
PLACE_KIND = rf"乡镇|街道|村庄|[{PLACE_UNITS}]"
# a grade, class or tier named by a letter or a numeral (normalised: "C级" → "c级", "二级" → "2级", "Ⅱ类" → "ii类")
# (the normaliser keeps 一 before a measure word, 一类, 一级: a grade unless it counts or points, 这一类, 同一级)
GRADE = re.compile(r"(?<![a-z0-9这那某每同哪另单统唯])(?:[a-z]|i{1,3}|iv|v|\d{1,2}|一)[级类档](?![别型])")
# "哪个镇", "哪些县", "哪一个市": a place is asked for (Question.place_units)
_PLACE_Q = re.compile(rf"哪(?:一?个|些|几个)?({PLACE_KIND})")
# a unit as a whole, 全县, 全街道 (not 占全县…, 高于全市…: a share of it or a comparison with it)
WHOLE_PLACE = rf"(?<![占居在列为于超高低比较])全(街道|[国{PLACE_UNITS}])"
# a figure asked about what precedes the question form at the end: "…的常住人口是多少", "…财政收入增长了多少";
# a bound before the figure is part of the form ("…旅客人次超过多少", "…不足多少"), not of what is asked
_PLAN_ADVERB = re.compile(r"(?:力争|计划|预计|预期|争取|拟)+$")
_PLAN_NOUN = re.compile(r"(?:的)?(?:目标值?|预期值?|计划数)$")
# (a verb stating a figure before 多少, 完成/实现/累计, is the form's: "税收收入完成多少" asks 税收收入, which a report
# writes "完成税收收入…")
_ATTRIBUTE_FORM = re.compile(r"(?:分别|各自|一共|总共|大约|共|约|达到?|超过|突破|接近|不足|不到|为|是|有|完成|实现|累计|合计|共计)*(?:(?:增长|增加|提高|提升|下降|减少|降低)了?)?"
                             r"(?:多少钱?|几)[?？]?$")
# the base a figure is compared with, at the end of a question's attribute phrase: 比2022年, 较上年同期, 与去年相比, 同比
_COMPARISON_BASE = re.compile(r"(?:(?:比|较|与|和)\s*(?:(?:1[5-9]|20)\d{2}\s*年?|上一?年|去年|前年|上季度|上月|上期)"
                              r"(?:同期)?(?:相比)?|同比|环比)$")
# a year a question names only as the base of a comparison: "2023年营业收入比2022年增长了多少", "与2022年相比"
_BASE_YEAR_Q = re.compile(r"(?:比|较)\s*((?:1[5-9]|20)\d{2})\s*年?|与\s*((?:1[5-9]|20)\d{2})\s*年?(?:同期)?相比")
# ... or the year before the one asked, named relatively: "…2023年…比上年增长多少" (base 2022)
_PREVIOUS_YEAR_Q = re.compile(r"(?:比|较)\s*(?:上一?年|去年)(?!同期)")


# the change asked after a base year: "…比2022年增加了多少", "…较2022年减少多少" (an amount, not a rate: 增长率, 百分之几
# and 增幅 ask a rate the documents state)
_CHANGE_AMOUNT_Q = re.compile(r"(?:增加|增长|提高|提升|减少|下降|降低|多|少)了?(?:多少|几)(?![%％倍]|个百分点)"
                              rf"[{MEASURE_CHARS}]?[?？]?$")


def year_change_parts(norm: str) -> list[str]:
    """A change from a base year asked as an amount ("青溪镇2023年规模以上工业企业比2022年增加了多少家?") as the two
    figures it is the difference of: the figure of the year asked and that of the base year, each asked alone
    ("青溪镇2023年规模以上工业企业是多少家?", "青溪镇2022年规模以上工业企业是多少家?"). The base may be the year before
    the one asked, named relatively ("…2023年一般公共预算收入比上年增长多少" → 2023 and 2022). [] for any other question
    (no base year, not exactly one other year named, a rate asked). `norm`: Question.norm."""
    base = _BASE_YEAR_Q.search(norm)
    previous = _PREVIOUS_YEAR_Q.search(norm) if base is None else None
    base = base or previous
    change = _CHANGE_AMOUNT_Q.search(norm)
    if base is None or change is None or change.start() < base.end():
        return []
    named = list(dict.fromkeys(_YEAR.findall(norm[: base.start()])))
    if previous is not None:  # "比上年": the year before the one asked
        base_year = str(int(named[0]) - 1) if len(named) == 1 else ""
    else:
        base_year = base.group(1) or base.group(2)
    asked = [y for y in named if y != base_year]
    if len(asked) != 1 or f"{asked[0]}年" not in norm[: base.start()]:
        return []
    head = norm[: base.start()].rstrip("的")
    unit = change.group(0).rstrip("?？")[-1]
    tail = f"是多少{unit if unit in MEASURE_CHARS else ''}?"
    return [head + tail, head.replace(f"{asked[0]}年", f"{base_year}年", 1) + tail]


@lexical_cache(maxsize=1024)
def asked_years(norm: str, years: tuple[str, ...]) -> frozenset[str]:
    """The years whose facts answer a question (Question.norm, Question.years): those it names less those it names
    only as the base of a comparison ("…2023年…比2022年增长了多少" asks a 2023 fact); all it names when every one
    is a base (cached: asked per candidate)."""
    base = {y for m in _BASE_YEAR_Q.finditer(norm) for y in m.groups() if y}
    return frozenset(set(years) - base or years)


# a part of a year that statistical reporting names (normalised text): a quarter (第二季度, 二季度, 2季度, Q2), a
# half (上半年, 下半年), the first two or three quarters (前三季度), or the months from January they span (1—6月, 1至9月;
# 1—3月 is the first quarter), or the whole year (全年); as tokens Q1…Q4, H1 (also a 半年报), H2, Q1-3, Y. A quarter
# named relative to another (上季度, 下一季度, 当季) names none.
_PERIOD = re.compile(r"(?<![上下本该这每近同])第?(?P<q>[一二三四1-4])季度|(?<![一二三四五六七八九十\d])(?P<h>[上下])半年"
                     r"|(?P<y>全年)|(?P<hr>半年报|半年度报告|中报)"
                     r"|前(?P<n>[两二三23])个?季度|(?<![A-Za-z])[Qq](?P<qq>[1-4])(?!\d)"
                     r"|(?<![\d.])[1一]\s*[-—–~至到]\s*(?P<m>[369])\s*月")
# a period named as the base of a comparison: "比一季度增长", "较上半年", "与第一季度相比"
_COMPARED_BEFORE = re.compile(r"(?:比|较|相比|与|和|同)\s*$")
_QUARTERS = {"一": "Q1", "二": "Q2", "三": "Q3", "四": "Q4", "1": "Q1", "2": "Q2", "3": "Q3", "4": "Q4"}


def periods(text: str, compared: bool = False) -> frozenset[str]:
    """The parts of a year a text (normalised) names (_PERIOD), as tokens: "2024年第三季度报告" → {"Q3"},
    "今年上半年…较一季度增长5%" → {"H1"} (a period after 比/较/与/和 is the base of a comparison, left out unless
    `compared`), "前三季度" → {"Q1-3"}, "1—6月" → {"H1"}, "全年完成…" → {"Y"}. Empty when it names none. Raises
    nothing."""
    got = set()
    for m in _PERIOD.finditer(text):
        if not compared and _COMPARED_BEFORE.search(text[max(0, m.start() - 3) : m.start()]):
            continue
        if m.group("q") or m.group("qq"):
            got.add(_QUARTERS[m.group("q") or m.group("qq")])
        elif m.group("h"):
            got.add("H1" if m.group("h") == "上" else "H2")
        elif m.group("y"):
            got.add("Y")
        elif m.group("hr"):
            got.add("H1")
        elif m.group("n"):
            got.add("Q1-3" if m.group("n") in "三3" else "H1")
        else:
            got.add({"3": "Q1", "6": "H1", "9": "Q1-3"}[m.group("m")])
    return frozenset(got)


# a figure written in words that the normaliser leaves as they are: 两, or a numeral with an approximation
# (二百多, 数千, 2万余; not the vague 几个): ingest.normalize turns plain numerals before a measure word into digits
_FIGURE_NUMBER = r"(?:\d(?:\.\d+)?|[一二两三四五六七八九十百千万]|数(?=[十百千万]))\s*[十百千万亿]?\s*[多余]?\s*[十百千万亿]?"
# ... and one that counts: not a lone 一, which before a classifier is often an article ("一种手段", "一个重要")
_COUNT_NUMBER = (r"(?:\d(?:\.\d+)?|[一二两三四五六七八九十百千万]{2,}|[二两三四五六七八九十百千万]|数(?=[十百千万]))"
                 r"\s*[十百千万亿]?\s*[多余]?\s*[十百千万亿]?")


# the measure words that count people (名, 人, 位): "多少名教师" is answered by "教师40人"
PERSON_UNITS = "名人位"
# 个 is Mandarin's general classifier: in speech it stands in for any individual classifier (多少个河长 for 52名河长,
# 几个项目 for 3项) — the classifiers of countable things, not the measures of time, money, age, weight or length
GENERAL_CLASSIFIER = "个"
COUNT_CLASSIFIERS = "个名项家次类位条种所人户座件台辆套批届期部支队只头匹间层栋张本篇把"
# ... and the classifiers of items, bodies and kinds, which writers use for one another (几家服务站 ← 12个,
# 多少条事项 ← 300项, 多少件专利 ← 9项); people (名人位) and households (户) are counted apart
ITEM_CLASSIFIERS = "个项条件家所类种"


@lru_cache(maxsize=64)
def dimension_pattern(units: str) -> re.Pattern[str]:
    """Where a text gives a figure in one of `units` (Question.dimension, a regex alternation): "高约90米",
    "1.2万平方米", "3,500亩", or a table cell with the unit in its header ("长度(公里):12.5"). Raises nothing."""
    return re.compile(rf"{_FIGURE_NUMBER}\s*(?:{units})|[(（]\s*(?:{units})\s*[)）]\s*[:：]?\s*\d")


@lru_cache(maxsize=256)
def unit_pattern(unit: str, ordinal: bool = False) -> re.Pattern[str]:
    """Where a text gives a figure in the unit a 多少/几 question asks (Question.unit): "17名", "300多座", "1万余人",
    "两个", "数千人"; people counted with any of PERSON_UNITS ("40人" for 多少名); the general classifier 个 met by any
    of COUNT_CLASSIFIERS ("52名" for 多少个), an item classifier by any of ITEM_CLASSIFIERS ("12个" for 几家, "9项"
    for 多少件), any count classifier by 个 ("8个" for 多少座); a unit with a magnitude ("万元")
    also by the magnitude alone ("300万以下"); or a table cell giving the unit in its header ("投资额(万元):1200",
    "接待游客(万人次):64" for 多少万人次,
    "参保户数:600"). Used by the unit_match feature and the unit
    constraint alike (one definition), per candidate: cached. Raises nothing; `unit` is a measure word or word of 1–3
    characters. `ordinal` (第几批, Question.ordinal): "第3批" as before, and 首/头 for the first ("首批", "头一批")."""
    magnitude = re.match(r"[万亿千百]", unit)
    own = "|".join(PERSON_UNITS) if unit in PERSON_UNITS else re.escape(unit)
    own += f"|{magnitude.group(0)}" if magnitude else ""
    # the classifiers standing in for the one asked; a lone 一 before them is an article, no count ("一种手段")
    wide = ""
    if unit == GENERAL_CLASSIFIER:
        wide = COUNT_CLASSIFIERS
    elif unit in ITEM_CLASSIFIERS:
        wide = ITEM_CLASSIFIERS
    elif unit in COUNT_CLASSIFIERS:
        wide = GENERAL_CLASSIFIER
    wide = "".join(c for c in wide if c not in own)
    u = own + (f"|[{wide}]" if wide else "")
    # (people are not counted by a rank, 「分列前三名」, 「位列第5名」, unless the order is asked: 第几名)
    rank = "(?<![前第])" if unit in PERSON_UNITS and not ordinal else ""
    counted = rf"{rank}{_FIGURE_NUMBER}\s*(?:{own})" + (rf"|{_COUNT_NUMBER}\s*[{wide}]" if wide else "")
    if ordinal:
        counted += rf"|(?:首|头一?)\s*(?:{own})"
    # (a header's unit may go on with more measure characters: "接待游客(万人次):64" for 多少万人次)
    return re.compile(rf"{counted}|[(（]\s*(?:{u})[{MEASURE_CHARS}]{{0,2}}\s*[)）]\s*[:：]?\s*\d"
                      rf"|(?:{u})数\s*[:：]\s*\d")


def units_of_kind(kind: str) -> tuple[str, ...]:
    """The administrative units a place of the kind a question names ends with: 乡镇 → 乡, 镇 or 街道 (the
    township-level units a report lists together, "乡镇（街道）"); 村庄 → 村 or 社区 (villages and the communities
    listed with them); any other kind (街道, 镇) → itself."""
    return {"乡镇": ("乡", "镇", "街道"), "村庄": ("村", "社区")}.get(kind, (kind,))


@dataclass
class Question:
    """What a question asks: its normal form, content words (the question forms removed), the kind of answer
    (date, number, list, explain, fact), the unit and noun of 多少/几, the term a definition question asks about,
    the years it names, the parts a comparison joins, and whether it asks across documents."""

    text: str
    norm: str
    content: str
    what: str
    unit: str = ""
    noun: str = ""
    attribute: str = ""  # what a figure is asked about: "…乡镇的常住人口是多少" → "常住人口"; the role a person is
    # asked for by: "青溪镇党委书记是谁" → "党委书记"
    place_unit: str = ""  # "哪个镇…" asks for a place: the administrative unit its name ends with (镇; 乡镇, 街道)
    focus: str = ""  # the head noun of what a fact/list question asks about: "…的目标是什么" → 目标, "有什么特点" → 特点
    term: str = ""
    count: int = 0  # the number of items a list question names: "哪两类许可" → 2 (0: not named)
    years: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    across: bool = False  # asked across documents ("各地…", "…分别…"): one answer from each that answers
    ordinal: bool = False  # 第几 + unit asks which one in order ("第几批"): answered by "第3批" or "首批"
    periods: frozenset[str] = frozenset()  # the parts of a year it asks about (periods): "第二季度…" → {"Q2"}; "全年…"
    # → {"Y"}, the whole year: a figure of a named part does not answer it
    _weights: dict[str, float] | None = field(default=None, repr=False)

    @property
    def measure(self) -> str:
        """The measure a figure answering the question must carry: its unit, or the compound measure word the unit
        opens with 次 ("多少人次" → "人次", "几架次" → "架次": visits or flights counted, which "员工320人" is not).
        "" when no unit is asked. The unit_match feature reads `unit` alone (the trained model's input)."""
        if self.unit and len(self.unit) == 1 and re.search(rf"(?:多少|几){re.escape(self.unit)}次", self.norm):
            return self.unit + "次"
        return self.unit

    @property
    def dimension(self) -> str:
        """The units, as a regex alternation (DIMENSIONS), of the physical quantity a number question asks with no
        unit of its own: by the measure noun its attribute ends with ("…大桥的高度是多少" → length units, "…的占地
        面积是多少" → area units), by a length adjective ("…有多长") or by 多大 with 面积 ("建筑面积有多大").
        "" for any other question. Read by the unit
        constraint (rag.answer), not by the trained features."""
        if self.unit or self.what != "number":
            return ""
        if re.search(_LENGTH_Q, self.norm):
            return _LENGTH_UNITS
        if re.search(_AREA_Q, self.norm):
            return _AREA_UNITS
        return next((units for noun, units in DIMENSIONS if self.attribute and noun.search(self.attribute)), "")

    @property
    def place_units(self) -> tuple[str, ...]:
        """The administrative units a name answering "哪个…" may end with: 乡镇 → 乡, 镇 or 街道 (the township-level
        units a report lists together, "乡镇（街道）"); 街道 → 街道; 镇 → 镇. () when no place is asked."""
        return units_of_kind(self.place_unit) if self.place_unit else ()

    def weights(self, idf: Callable[[str], float]) -> dict[str, float]:
        """IDF weight of each content word (computed once per question); a unit jieba glued to a stop word (镇有 of
        "青石镇有多少户", ingest.tokenize.glued_units) is none. A term the asker sets in quotation marks is one word
        (quoted_terms), however the segmenter cuts it."""
        if self._weights is None:
            glued = glued_units(self.norm)
            found = words(self.content)
            for term in quoted_terms(self.norm):
                pieces = words(term)
                if len(pieces) > 1 and _contains_run(found, pieces):
                    at = next(i for i in range(len(found)) if found[i : i + len(pieces)] == pieces)
                    found = [*found[:at], term, *found[at + len(pieces):]]
            self._weights = {w: idf(w) for w in dict.fromkeys(found)
                             if w not in ABOUT_SOURCES and w not in glued}
        return self._weights


_QUOTE_MARKS = re.compile(r"[“”\"「」『』]")
_QUOTED = re.compile(r"[“\"「『]([\u4e00-\u9fff]{3,12})[”\"」』]")


def quoted_terms(norm: str) -> list[str]:
    """Terms of 3 to 12 Chinese characters a question sets in quotation marks (“两头热中间冷”, 「…」): the asker's own
    word boundaries for a term taken from the documents, which a general segmenter may cut into pieces that each
    match elsewhere."""
    return _QUOTED.findall(norm)


# a thing named by its number (an identifier, not a quantity): "7号线", "3号楼", "5号台风", the 12号 of a document
# number "〔2023〕12号"; the day of a date ("8月2号") is none
_NUMBERED = re.compile(r"(?<![\d.月])\d+号")


def numbered_names(norm: str) -> list[str]:
    """The numbers a question (normalised) names things by, as written with 号: "江州地铁7号线何时通车" → ["7号"];
    [] when it names none. A passage about "9号线" answers nothing of 7号线."""
    return _NUMBERED.findall(norm)


# a question about when a document was issued: a verb of issuing (印发, 发布, 下发…) or its date's name (发文日期,
# 落款日期), with a date asked, about a document of a 公文 kind (GB/T 9704-2012 and the 条例's fifteen kinds, with
# the plans and reports a county issues)
ISSUE_VERBS = "印发|发布|发文|下发|成文|签发|出台|颁布|落款"  # (a regex alternation)
_ISSUED_Q = re.compile(ISSUE_VERBS)
_DATE_NAMED_Q = re.compile(r"(?:发文|成文|落款|印发|发布)(?:的)?(?:日期|时间)")
_DOC_KIND_Q = re.compile(r"通知|意见|办法|方案|规定|决定|公告|通告|通报|报告|批复|纪要|规划|计划|细则|函|文件|决议|条例")


# the element of an event a question asks by its form, and the words a notice's heading names it by: notices of a
# meeting, a training or an activity give each element its own numbered heading (一、培训时间 / 二、培训地点 /
# 三、参训对象), the elements of a meeting notice (会议通知: 时间、地点、参会人员; 《党政机关公文处理工作条例》 2012)
_EVENT_VERBS = "(?:开始|举办|举行|召开|进行|开展|开班|开课|开幕|上课|结束)"
_SLOTS = (
    (re.compile(rf"(?:什么时候|何时|什么时间|哪[一几]?[天日]|几月几[日号]){_EVENT_VERBS}"
                r"|(?:时间|日期)(?:是|在|为)?(?:什么时候|何时|哪[一几]?[天日]|几月几[日号])"), ("时间", "日期")),
    (re.compile(rf"(?:在哪里|在哪儿|在哪|什么地方|何地|何处|哪个地方){_EVENT_VERBS}"
                rf"|(?:地点|地址)(?:是|在|为)?(?:哪里|哪儿|什么地方|何处|哪)|{_EVENT_VERBS}(?:的)?(?:地点|地方)"), ("地点", "地址")),
    # who takes part (一、参加人员 / 三、参训对象): "哪些人需要参加", "谁可以参加", "参加对象有哪些"
    (re.compile(r"(?:哪些人|什么人|谁)(?:需要|要|可以|能|应当|必须)?(?:参加|参训|参会|参展|参与)"
                r"|(?:参加|参训|参会|参展)(?:的)?(?:人员|对象|范围)"), ("人员", "对象", "范围")),
    # how to sign up (四、报名方式): "怎么报名", "如何申报"
    (re.compile(r"(?:怎么|怎样|如何)(?:报名|申报)|(?:报名|申报)(?:方式|办法|程序|流程)"),
     ("报名方式", "申报方式", "报名程序", "申报程序", "报名", "申报")),
)
# the words a notice's heading names its own event by, whatever the question calls it (活动地点 of a festival)
_EVENT_NOUNS = ("活动", "会议")
# (and taking part, 参加/参训/参会, in the heading of who takes part)
_TAKING_PART = re.compile(r"^参[加训会展与]$")


def asked_slot(question: str) -> tuple[str, ...]:
    """The heading words naming the element of an event a question (normalised) asks: its time or place, asked
    with the event's verb ("培训班什么时候开始" → ("时间", "日期"); "在哪里举办" → ("地点", "地址")) or by the element
    ("报名时间是什么时候"); who takes part ("哪些人需要参加" → ("人员", "对象", "范围")); how to sign up ("怎么报名");
    () for a question asking none of these ("名单什么时候截止报送": a deadline)."""
    return next((words for form, words in _SLOTS if form.search(question)), ())


def names_slot(question: str, heading: str, slot: tuple[str, ...]) -> bool:
    """Whether a heading line (一、培训时间) names the element asked (`slot`, asked_slot) of what the question
    (normalised) asks about: its words other than the slot's are the question's ("培训" of 「培训班什么时候开始」),
    the notice's own event (活动, 会议: 「二、活动地点」 of a festival), taking part (「三、参训对象」) or none
    ("一、时间"); a heading of another event's time ("报名时间") is not, nor is any other heading when the
    question names the element itself ("报名时间是什么时候": 「二、报名时间」 only)."""
    title = normalize(heading_name(heading))
    word = next((w for w in slot if w in title), None)
    if word is None:
        return False
    rest = title.replace(word, "", 1).strip()
    form = next((m.group(0) for f, words in _SLOTS if words == slot and (m := f.search(question))), "")
    if any(w in form for w in slot) and rest not in _EVENT_NOUNS:  # the element named ("报名时间是…"): that one
        return any(rest + w in question for w in slot)
    return not rest or rest in question or rest in _EVENT_NOUNS or bool(_TAKING_PART.match(rest))


def asks_issue_date(q: Question) -> bool:
    """Whether a question asks the date its document was issued (its 成文日期, ingest.headings.issue_date):
    "青石镇的通知是什么时候印发的" and "通知的发文日期是哪天" do; "新品什么时候发布" (no document kind) does not."""
    asks_date = q.what == "date" or bool(re.search(r"日期|哪天|哪一天", q.norm))
    return bool(asks_date and _ISSUED_Q.search(q.norm)
                and (_DOC_KIND_Q.search(q.norm) or _DATE_NAMED_Q.search(q.norm)))


# a plan document a question names: in 《》, or a plan noun the document is read "in" or "stating" (规划中, 计划提出),
# with the words naming it before the noun ("农村公路建设规划中" names 农村公路建设; "计划中" names none)
_PLAN_DOC = re.compile(r"《(?P<t>[^《》]*(?:计划|规划|方案)[^《》]*)》"
                       r"|(?P<n>[\u4e00-\u9fff\d“”\"]*?)(?:计划|规划|方案)(?:中|里|提出|明确|要求|指出|规定)")


def plan_documents(norm: str) -> list[str]:
    """The plan documents a question (normalised) names, as the words naming each ("" for one named only by its
    kind): "水利发展规划中灌溉水利用系数目标是多少" → ["水利发展"]; "《农村公路三年行动计划》提出…" → ["农村公路3年行动
    计划"]; "方案中要求多少的乡镇…" → [""]; [] when it names none. A question naming one asks what that document states."""
    got = []
    for m in _PLAN_DOC.finditer(norm):
        if m.group("t") is not None:
            got.append(m.group("t"))
        else:
            name = re.split(r"[的在按照据]", m.group("n"))[-1].strip("“”\"")
            got.append(name)
    return got


def _contains_run(seq: list[str], run: list[str]) -> bool:
    return any(seq[i : i + len(run)] == run for i in range(len(seq) - len(run) + 1))


def part_question(question: str, part: str, parts: tuple[str, ...]) -> str:
    """The question one part of a comparison asks, the other parts taken out: "河北和河南的改革分别从什么时候开始？"
    → "河北的改革分别从什么时候开始？" (part 河北) and "河南的改革…" (part 河南); a part named with its administrative
    suffix ("东县和西镇") loses it with the conjunction. A question about the difference of two things ("A和B有什么
    区别") asks, per part, what that thing is: "A是什么？"."""
    norm = normalize(question.strip())
    if _PARTS.search(_FOLLOW_UP_HEAD.sub("", norm)):
        return f"{part}是什么？"
    out = _QUOTE_MARKS.sub("", norm)
    # a comparison by a quantity asks each part's figure: "医院和学校哪个投资多" → "医院投资是多少"
    compared = _EACH.search(out)
    if compared is not None and compared.group("attr"):
        out = out[: compared.start()] + compared.group("attr") + "是多少" + out[compared.end():]
    for other in parts:
        if other == part:
            continue
        name = re.escape(other) + rf"[{PLACE_UNITS}年]?"
        out = re.sub(rf"{name}\s*[和与及、跟同]\s*|\s*[和与及、跟同]\s*{name}", "", out, count=1)
    out = out.replace("分别", "")
    # the part is the subject of the figure asked right after it, not a modifier of it: "快速路投资多少" asks the
    # 投资 of 快速路 ("快速路的投资多少"), which a passage states as 「总投资58.7亿元」
    return re.sub(rf"(?<={re.escape(part)})(?=[^的有是为在共约将已年月日号\W\d][\u4e00-\u9fff]{{0,7}}(?:是|为)?多少)", "的", out,
                  count=1)


# "除了X（以外）还…": X is what the question sets aside, not what its answer must name ("乡镇除了日常管理还要承担
# 哪些任务" is answered by the tasks, which never repeat 日常管理)
_EXCEPT = re.compile(r"(?:除了[^,，;；?？]{1,12}?(?:以外|之外|外)?|除[^,，;；?？]{1,12}?(?:以外|之外))"
                     r"(?=[,，]?(?:还|也|另外|又|仍))")


def _asked_phrase(head: str) -> str:
    """What a figure or a person is asked about, from the question's words before its form (Question.attribute):
    the words after the last 的 ("…乡镇的常住人口", "…公司的董事长"), else the subject phrase ending them
    (ingest.tokenize.subject_phrase), less a comparison base at the end ("营业收入比2022年", "利润总额较上年同期" →
    营业收入, 利润总额); "" when longer than 12 characters."""
    head = _COMPARISON_BASE.sub("", head)
    after = head.rsplit("的", 1)[1] if "的" in head else ""
    phrase = after if 2 <= len(after) <= 12 else subject_phrase(head)
    return phrase if len(phrase) <= 12 else ""


def split_questions(text: str) -> list[str]:
    """The questions a message asks one after another, normalised, each ending with its question mark:
    "检查有问题找谁？电话多少？" → ["检查有问题找谁?", "检查电话多少?"]. A later question naming no subject of its own
    (no place, person or body: ingest.tokenize.entities, unit_places) goes on with the subject the first opens with
    (OPENING_SUBJECT), as Chinese leaves out a subject it continues with (so does rag.engine.condense for a follow-up
    turn). [] for a message of one question, or when a sentence of it asks nothing (no question word: _ASKS)."""
    norm = normalize(text.strip())
    parts = [p.strip(" ，,") for p in re.split(r"(?<=[?？])", norm) if p.strip(" ，,")]
    if len(parts) < 2 or not all(_ASKS.search(p) for p in parts):
        return []
    opening = OPENING_SUBJECT.match(parts[0])
    subject = opening.group(0) if opening is not None else ""
    return [parts[0]] + [p if not subject or subject in p or entities(p, min_len=2) or unit_places(p)
                         else subject + p for p in parts[1:]]


def analyse(question: str) -> Question:
    """Read a question (any width, traditional or simplified, Chinese or Arabic numerals). 「…有问题找谁」 is read as
    「…联系人是谁」 (_CONTACT_Q), 「几号」 as 「哪天」 (_DAY_WORDING), 「镇长叫什么名字」 as 「镇长是谁」 (_ROLE_NAME_Q)."""
    written = normalize(question.strip())
    norm = _ROLE_NAME_Q.sub("是谁", _DAY_WORDING.sub("哪天", _CONTACT_Q.sub("联系人是谁", written)))
    unit = noun = ""
    ordinal = False
    m = _HOW_MANY.search(norm)
    if m and m.group(2) and len(m.group(2)) == 1:
        # a measure character that opens a word of the question is no measure word: 多少人居改善资金 (人居) asks
        # an amount, not a head count (多少人次 is a compound measure, Question.measure)
        # (a measure word is followed by the word it counts: 多少名河长 keeps 名, whatever jieba makes of 名河)
        # (and the word the measure character opens goes on into the noun phrase asked: 人居|环境; a last word, 个村
        # of "多少个村", is the measure and its noun)
        after = next(iter(words(norm[m.end():])), "")
        first, *more = words(norm[m.end(1):]) or [""]
        if (len(after) < 2 and len(first) > 1 and first.startswith(m.group(2)) and first[1] != "次"
                and any(len(w) > 1 for w in more)):
            m = None
    if m and m.group(2):
        unit = m.group(2)
        ordinal = norm[max(0, m.start() - 1) : m.start()] == "第"
        rest = re.match(r"[\u4e00-\u9fffa-z0-9]{1,6}", norm[m.end():])
        # "多少周年了" counts no 了, "多少公里的道路" counts 道路
        noun = re.sub(r"^的|[了呢吗啊呀的]+$", "", rest.group(0)) if rest else ""
        if len(unit) == 1 and noun.startswith("次"):  # "多少人次游客": the measure is 人次 (Question.measure), 游客 counted
            noun = noun[1:]
        # a noun the measure word closes is counted from before it: 「规模以上工业企业有多少家」 counts 工业企业; a
        # place that has them (「青石镇有多少人」, 「全县共有多少个」) is where, not what, is counted
        had = _HAS_BEFORE.search(norm[: m.start()]) if not noun else None
        if had is not None:
            counted = _asked_phrase(had.group(1))
            if (counted and not counted.startswith("全") and counted[-1] not in PLACE_UNITS
                    and not counted.endswith("街道") and not entities(counted)):
                noun = counted
    if not unit and "多少钱" in norm:  # money asked: an amount in yuan (元, 万元, 亿元), not a time or a count
        unit = "元"
    content = _EXCEPT.sub(" ", _FORMS.sub(" ", norm))
    if unit:  # "多少名河长": 名 is the unit, not the start of a word
        content = re.sub(rf"(?<=\s){re.escape(unit)}", " ", content)
    content = re.sub(r"(?<=\s)钱(?=\W|$)", " ", content) if "多少钱" in norm else content  # "多少钱" asks an amount
    if ordinal:  # "第几批": 第 is the question form's, not a word asked about
        content = re.sub(r"第(?=\s)", " ", content, count=1)
    if re.search(r"哪|谁", norm):  # "哪个街道…最多": 最多 is how the item is picked, no word of its passages
        content = _PREDICATE_FORM.sub(" ", content)
    term = ""
    d = _DEFINE_Q.search(norm.rstrip("?？"))
    if d is not None:
        term = d.group("a") or d.group("b") or ""
        quoted = re.findall(r"“([^”]+)”", term)
        term = (quoted[-1] if quoted else re.split(r"[，,]", term)[-1]).strip("“”\"' ")
        term = term if len(term) >= 2 else ""
    parts: tuple[str, ...] = ()
    p = _PARTS.search(_FOLLOW_UP_HEAD.sub("", norm))
    if p is not None:
        parts = tuple(x.strip("“”\"' ，,") for x in (p.group("a"), p.group("b")) if len(x.strip()) >= 2)
    # (the things joined may be quoted, "“青禾镇”和“青禾乡”…分别": the marks are no part of their names)
    unquoted = _QUOTE_MARKS.sub("", norm)
    if not parts:  # "河北和河南的…": each place joined in the question is a part, named without its unit unless
        # that is what tells them apart (柳河镇和柳河乡)
        places = compared_places(unquoted)
        parts = tuple(name_stem(x) for x in places)
        if len(set(parts)) < len(parts):
            parts = tuple(places)
    if not parts:  # "2022年和2023年的…": each year joined is a part (a range, "2020年至2023年", is one period)
        parts = compared_years(unquoted)
    if not parts:  # "华盛科技和华盛农业…分别…": the noun phrases "分别" joins
        parts = compared_things(unquoted)
    what = answer_kind(norm)
    attribute = ""
    if what == "number":
        clause = re.split(r"[,，;；]", norm.rstrip("?？ "))[-1]
        form = _ATTRIBUTE_FORM.search(clause)
        if form:
            # (a plan word before the form is no part of the attribute: "地区生产总值预计增长多少")
            attribute = _asked_phrase(_PLAN_ADVERB.sub("", clause[: form.start()]))
            # (nor is a plan noun after it: "…覆盖率目标是多少" asks the 覆盖率 planned)
            attribute = _PLAN_NOUN.sub("", attribute) if len(_PLAN_NOUN.sub("", attribute)) >= 2 else attribute
    else:
        unit = noun = ""
        who = _WHO_Q.search(re.split(r"[,，;；]", norm.rstrip("?？ "))[-1]) if what == "fact" else None
        if who is not None:  # "…公司的董事长是谁", "谁是…公司的董事长"
            attribute = _asked_phrase(who.group("a") or who.group("b"))
            contact = _CONTACT_Q.search(written)
            if contact is not None:  # whom to ask about what: the contact of that matter (its words, modifiers)
                about = re.split(r"[,，;；?？]", written[: contact.start()])[-1].removesuffix("的")
                attribute = about + "联系人" if 2 <= len(about) <= 10 else attribute
    if parts and what == "fact":
        what = "explain"
    focus = ""
    form = _FORMS.search(norm)
    if form is not None and what in ("fact", "list"):
        span = re.match(r"[\u4e00-\u9fff]{0,4}", norm[form.end():]).group(0)
        # the thing asked after the form, a noun phrase, else its first word whatever its part of speech
        # ("面临哪些困难": jieba tags 困难 an adjective)
        # (谁, 如何, 为什么 ask no noun after them: "谁为孤寡老人提供…" asks a person, not 老人)
        modifies = not re.fullmatch(r"是?谁|为什么|为何|是?(?:如何|怎样|怎么)", form.group(0))
        after = (trailing_noun_phrase(span) or next((w for w in words(span) if len(w) >= 2), "")) if modifies else ""
        before = trailing_noun_phrase(re.sub(r"(?:是|有|为|位于|在)$", "", norm[: form.start()]))
        phrase = after or before
        focus = (words(phrase) or [""])[-1] if phrase else ""
        if len(focus) < 2:  # one character is a fragment of segmentation ("对谁的收成产生了" → 产), not a noun asked
            focus = ""
    asks_place = _PLACE_Q.search(norm)
    counted = _COUNT_Q.search(norm)
    return Question(question, norm, content, what, unit, noun, attribute, asks_place.group(1) if asks_place else "",
                    focus, term, _count(counted.group(1)) if counted else 0,
                    tuple(dict.fromkeys(y for y in _YEAR.findall(norm))), parts, bool(_COMPARE_Q.search(norm)),
                    ordinal=ordinal and what == "number", periods=periods(norm))


# a rate asked for: 率, 比例, 比重, 百分
RATE_WORD = re.compile(r"率|比例|比重|百分")
# a measure noun (高度 height, 数量 number, 金额 amount, 人数, 年龄 age): the figure's unit states the dimension, and
# what is measured is named before it (出口金额 → 出口); Chinese forms such nouns with these suffixes
MEASURE_NOUN = re.compile(r"[度量额数龄]$")
# an agent noun (代理人, 负责人, 主持人, 作者, 承办方): a verb and the suffix for who does it; a passage names the role
# by the verb ("由爱贝克思代理", "王某负责")
_AGENT_NOUN = re.compile(r"[人者方]$")


@lexical_cache(maxsize=1024)
def attribute_nouns(attribute: str) -> tuple[str, ...]:
    """The words (two characters or more) of an attribute that are no rate word, in order, the head last
    ("城镇居民人均可支配收入" → 城镇居民, 人均, 可支配, 收入; jieba, cached)."""
    return tuple(w for w in words(attribute) if len(w) >= 2 and not RATE_WORD.search(w))


@lexical_cache(maxsize=1024)
def attribute_words(attribute: str) -> tuple[str, ...]:
    """The word a passage must name to give a figure about `attribute` (Question.attribute, "…的常住人口是多少"):
    its head, the last word of two characters or more (Chinese noun phrases are head-final: "市级财政专项资金" →
    "专项资金"; the modifiers are left to the scorer's coverage features); for a measure noun, the thing measured
    ("销售量" → "销售", "出口金额" → "出口"; "年龄", "高度" alone → nothing: "35岁", "80米" answer them); for an
    agent noun, the verb ("代理人" → "代理", "负责人" → "负责"). A rate
    word is left to the rate check ("比例是多少" is answered by "30%"). Returns 0 or 1 word (cached: it is asked per
    candidate)."""
    ws = attribute_nouns(attribute)
    if not ws:
        return ()
    head = ws[-1]
    if MEASURE_NOUN.search(head):
        if len(head) >= 3:
            return (head[:-1],)
        return tuple(ws[-2:-1])
    if _AGENT_NOUN.search(head) and len(head) >= 3:  # "代理人" is named by "由…代理"
        return (head[:-1],)
    return (head,)


def attribute_modifiers(attribute: str) -> tuple[str, ...]:
    """The words of an attribute before its head (attribute_nouns), less measure nouns (a unit states them):
    "防汛检查经费" → ("防汛", "检查"); "投资金额" → ("投资",); "常住人口" → (). What the document of a figure about the
    attribute must name besides the head (attribute_words)."""
    return tuple(w for w in attribute_nouns(attribute)[:-1] if not MEASURE_NOUN.search(w))


def another_role(role: str, text: str) -> bool:
    """Whether `text` (normalised) names another role of the head the role asked for ends with (Question.attribute of
    「…是谁」; role nouns are head-final, their head its last two characters): "镇长孙丽" for 副镇长, "党委书记黄志刚"
    for 党委副书记, "副书记王某" for 党委书记. A text naming the role whole, or not its head, names no other; nor one
    naming its last word whole when that word is of three characters or more (「联系人：…」 for 检查联系人: the words
    before it name the matter, not a rank)."""
    last = (words(role) or [""])[-1]
    return len(role) > 2 and role not in text and role[-2:] in text and not (len(last) >= 3 and last in text)


# how near a figure must be to the word it is stated for, in characters: Chinese states a figure right after what it
# measures ("贷款3200万元", "高约90米", "收入为2.4亿元", "增长了8.3%"), or just before it ("90米高"); the
# windows span an adverb, a copula and a unit (约, 达到, 为, 共计) and no clause end or comma
FIGURE_AFTER_CHARS = 10
FIGURE_BEFORE_CHARS = 4


@lexical_cache(maxsize=1024)
def figure_words(norm: str, attribute: str, noun: str) -> tuple[str, ...]:
    """The words a number question's figure is stated beside (Question.norm, .attribute, .noun): the attribute's
    head ("…的营业收入是多少" → 收入) and the thing a measure noun measures (attribute_words: "出口金额" → 出口),
    a dimension noun's adjective ("高度" → 高: Chinese states "高约90米"), the counted noun ("多少名河长" →
    河长) and a noun after a bare 多少/几 ("放了多少贷款" → 贷款). Returns () when the question names none
    (cached per question)."""
    out: list[str] = []
    ws = attribute_nouns(attribute)
    if ws:
        head = ws[-1]
        out += [head, *attribute_words(attribute)]
        if head.endswith("度"):
            out.append(head[:-1])
    out += [w for w in words(noun) if len(w) >= 2]
    bare = re.search(r"(?:多少|几)(?![" + MEASURE_CHARS + r"])([\u4e00-\u9fff]{2,6})", norm)
    if bare:
        phrase = trailing_noun_phrase(bare.group(1)) or bare.group(1)
        out += [w for w in words(phrase) if len(w) >= 2][:1]
    return tuple(dict.fromkeys(w for w in out if w))


def states_dimension(text: str, q: Question) -> bool:
    """Whether `text` (normalised) answers a question asking a physical quantity (Question.dimension non-empty): some
    clause (between 。；，！？) gives a figure in one of its units (dimension_pattern) and, when the question names
    the quantity by a noun (…的高度), one of the words that figure is stated beside (figure_words: 高度, 高), or,
    asked by its adjective (…有多长), that adjective (远 also by 距, "距市区15公里"): 「建起高约90米的塔」 answers
    高度, 「重约72吨的钢梁」 and 「全长18.7公里」 do not. True for any other question. Cost: a regex per clause.
    Raises nothing."""
    if not q.dimension:
        return True
    adjective = re.search(_LENGTH_Q, q.norm)
    if adjective is not None:
        beside: tuple[str, ...] = (adjective.group(0)[1],) + (("距",) if adjective.group(0) == "多远" else ())
    elif re.search(_AREA_Q, q.norm):  # (an area is stated as 面积, or as what a site takes up: 占地120亩)
        beside = ("面积", "占地")
    else:  # (the dimension noun itself too, when the attribute joins two: "身高体重" → 体重, "体重118公斤")
        noun = next((m.group(0) for p, _units in DIMENSIONS if (m := p.search(q.attribute))), "")
        beside = (*figure_words(q.norm, q.attribute, q.noun), noun, noun[0] if noun.endswith("度") else noun)
    pattern = dimension_pattern(q.dimension)
    return any(pattern.search(x) and (not beside or any(w in x for w in beside))
               for x in re.split(r"[。；;！？!?，,]", text))


def figure_beside(text: str, asked: tuple[str, ...]) -> bool:
    """Whether `text` (normalised) states a figure (digits) beside one of the words `asked` (figure_words): within
    FIGURE_AFTER_CHARS after it or FIGURE_BEFORE_CHARS before it, inside one clause (no 。；！？， between); a year
    ("2023年") is a date, not a figure."""
    for w in asked:
        w = re.escape(w)
        if re.search(rf"{w}[^。；;！？!?，,]{{0,{FIGURE_AFTER_CHARS}}}?\d(?!\d{{0,3}}年)|\d[^。；;！？!?，,]{{0,{FIGURE_BEFORE_CHARS}}}{w}", text):
            return True
    return False
