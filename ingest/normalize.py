"""The one normaliser for matching text: documents, questions and every answer rule compare normalised text.

`normalize(text)` folds, in order:
1. Unicode NFKC (full-width ２０２３/ＧＤＰ → 2023/GDP, Kangxi radicals ⼯ → 工 from PDF text layers), lower case;
2. traditional → simplified Chinese (OpenCC `t2s`), so a traditional document matches a simplified question;
3. thousands separators between digit groups (4,250 → 4250);
4. Chinese numerals that count or date something → digits (十二名 → 12名, 二〇二三年 → 2023年,
   百分之三十 → 30%, 四千二百五十万 → 4250万), with cn2an. A numeral is converted only before a measure word,
   a date unit or a magnitude (万/亿), or as 百分之…; a bare 一 (统一, 一是) is left alone.

`normalize_with_offsets` also returns, for each output character, the offset of the input character it comes
from, so a match found in normalised text is quoted as an exact substring of the stored text.

Matching only: stored text and quotes are never replaced by their normal form."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from core.text import CN_NUMERAL_CHARS

# what a counted or dated numeral stands before (GB/T 15835 measure words and date units); 万/亿 are magnitudes
MEASURE_CHARS = "个名项家次类位条种所岁倍起年月日号时元人户座件台辆套批届期周天吨米亩把张本篇部支队只头匹间层栋级"
_NUMERAL = f"[{CN_NUMERAL_CHARS}两]"
MEASURE_WORDS = "公里|公顷|公斤|公尺|平方|立方|千米|千克"  # measures of two characters
_COUNT = re.compile(rf"百分之({_NUMERAL}+)|({_NUMERAL}+?)([万亿]?)(?=[{MEASURE_CHARS}]|{MEASURE_WORDS})")
_THOUSANDS = re.compile(r"(?<![\d,])\d{1,3}(?:,\d{3})+(?![\d,])")
_DIGITS_ONLY = re.compile(r"[零〇一二三四五六七八九]+")
_DIGIT_VALUE = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}


@lru_cache(maxsize=1)
def _t2s():  # noqa: ANN202
    import opencc

    return opencc.OpenCC("t2s")


def _cn_value(numeral: str) -> str | None:
    """"十二" → "12", "二〇二三" → "2023" (digit by digit), "两" → "2"; None if cn2an cannot read it."""
    numeral = numeral.replace("两", "二")
    if len(numeral) > 1 and _DIGITS_ONLY.fullmatch(numeral):
        return "".join(_DIGIT_VALUE[c] for c in numeral)
    import warnings

    import cn2an

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cn2an warns before it raises on a malformed numeral
            value = cn2an.cn2an(numeral, "strict")
    except (ValueError, KeyError, IndexError):
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


Mapped = tuple[str, list[int]]


def _nfkc(text: str) -> Mapped:
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch).lower() if not ch.isascii() else ch.lower()
        out.append(folded)
        offsets.extend([i] * len(folded))
    return "".join(out), offsets


def _simplified(text: str, offsets: list[int]) -> Mapped:
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted, offsets
    out = [_t2s().convert(ch) for ch in text]  # a phrase changed length: convert character by character
    return "".join(out), [o for ch, o in zip(out, offsets, strict=True) for _ in ch]


def _substitute(text: str, offsets: list[int], pattern: re.Pattern[str], replace) -> Mapped:  # noqa: ANN001
    """Replace each match by replace(match) (None keeps it); every new character maps to the match's start."""
    out: list[str] = []
    new_offsets: list[int] = []
    last = 0
    for m in pattern.finditer(text):
        new = replace(m)
        if new is None:
            continue
        out.append(text[last : m.start()])
        new_offsets.extend(offsets[last : m.start()])
        out.append(new)
        new_offsets.extend([offsets[m.start()]] * len(new))
        last = m.end()
    out.append(text[last:])
    new_offsets.extend(offsets[last:])
    return "".join(out), new_offsets


def _count(m: re.Match[str]) -> str | None:
    if m.group(1):
        value = _cn_value(m.group(1))
        return None if value is None else f"{value}%"
    numeral, magnitude = m.group(2), m.group(3)
    if numeral in ("一", "两") and not magnitude and m.string[m.end() : m.end() + 1] not in ("日", "号", "月"):
        return None  # 一个, 一项, 两个: a determiner more often than a count; leave it as it is
    value = _cn_value(numeral)
    return None if value is None else value + magnitude


def normalize_with_offsets(text: str) -> Mapped:
    """(normalised text, offsets): offsets[i] is the index in `text` of the character normalised text[i] comes
    from. Pure function; raises nothing for any str input."""
    norm, offsets = _nfkc(text)
    norm, offsets = _simplified(norm, offsets)
    norm, offsets = _substitute(norm, offsets, _THOUSANDS, lambda m: m.group(0).replace(",", ""))
    norm, offsets = _substitute(norm, offsets, _COUNT, _count)
    return norm, offsets


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """The normal form used for every comparison of text (see the module docstring)."""
    if text.isascii():
        return _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), text.lower())
    return normalize_with_offsets(text)[0]


def find_original(text: str, needle: str) -> tuple[int, int] | None:
    """The span of `text` whose normal form contains normalize(needle) first, as (start, end) offsets into
    `text`; None when it does not occur."""
    norm, offsets = normalize_with_offsets(text)
    target = normalize(needle)
    i = norm.find(target) if target else -1
    if i < 0:
        return None
    end_norm = i + len(target)
    end = offsets[end_norm] if end_norm < len(offsets) else len(text)
    return offsets[i], max(end, offsets[end_norm - 1] + 1)
