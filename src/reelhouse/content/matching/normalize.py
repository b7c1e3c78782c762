"""Title normalization for comparison: what differs in spelling but not in meaning goes.

Accents, case, punctuation and a leading article are dropped, "&" reads "and", apostrophes vanish
without leaving a gap ("Charlotte's" = "Charlottes") and roman numerals II-XX become digits, so
"Rocky II" and "Rocky 2" compare equal. Words are never removed by meaning: "Real Steel", "Uncut
Gems" and "Cam" keep every word even though those words are also release tags.
"""

from __future__ import annotations

import re
import unicodedata

_LEADING_ARTICLES = frozenset(
    [
        "the",
        "a",
        "an",
        "le",
        "la",
        "les",
        "l",
        "der",
        "die",
        "das",
        "el",
        "los",
        "las",
        "il",
        "lo",
        "gli",
        "un",
        "une",
        "una",
        "een",
        "het",
    ]
)
_ROMAN = {
    numeral: str(value)
    for value, numeral in enumerate(
        [
            "ii",
            "iii",
            "iv",
            "v",
            "vi",
            "vii",
            "viii",
            "ix",
            "x",
            "xi",
            "xii",
            "xiii",
            "xiv",
            "xv",
            "xvi",
            "xvii",
            "xviii",
            "xix",
            "xx",
        ],
        start=2,
    )
}
_APOSTROPHE = "[\u0027\u2019\u02bc`\u00b4]"
_ELISION = re.compile(rf"\b([ld]){_APOSTROPHE}(?=\w)")  # French l'/d': a word of its own
_APOSTROPHES = re.compile(_APOSTROPHE)
_NOT_WORD = re.compile(r"[\W_]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_title(title: str) -> str:
    text = strip_accents(title).casefold().replace("&", " and ")
    text = _ELISION.sub(r"\1 ", text)
    text = _APOSTROPHES.sub("", text)
    words = [_ROMAN.get(word, word) for word in _NOT_WORD.sub(" ", text).split()]
    if len(words) > 1 and words[0] in _LEADING_ARTICLES:
        words = words[1:]
    return " ".join(words)
