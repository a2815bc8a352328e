"""Biomedical tokenization for BM25, kept apart from any index (as in bm25s).

Rules, and why:

* Lower-case and NFKC-normalise; Greek letters become their names
  (``"α"`` -> ``"alpha"``) so "TNF-α" and "TNF-alpha" meet.
* Alphanumeric runs stay whole (``"HbA1c"`` -> ``"hba1c"``, ``"IL6"``).
* Hyphenated or slashed compounds emit their parts *and* the joined form
  (``"COVID-19"`` -> ``"covid"``, ``"19"``, ``"covid19"``), so both spellings
  match.
* A number followed by a unit also emits the glued form (``"500 ms"`` ->
  ``"500"``, ``"ms"``, ``"500ms"``), so a query for a threshold prefers the
  passages that state exactly that threshold.
* Snowball English stemming (Porter 2) on alphabetic tokens longer than three
  characters; numbers and alphanumeric codes are never stemmed.
* A small English stopword list (function words only: medical words such as
  "pain" or "normal" are kept).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma",
    "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}
UNITS = {
    "ms", "s", "sec", "min", "h", "hr", "hrs", "d", "wk", "mo", "yr", "mm", "cm", "m", "km",
    "mg", "g", "kg", "mcg", "ug", "ng", "pg", "ml", "l", "dl", "iu", "u", "meq", "mmol",
    "mol", "mmhg", "bpm", "kcal", "percent", "mgdl", "kpa", "hz", "mhz", "gy", "mev",
}
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not of off on once
    only or other our ours ourselves out over own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you
    your yours yourself yourselves also may might must shall""".split()
)
# "no"/"not"/"nor" are stopwords for *retrieval* only; negations in quotes are
# never altered because quotes are copied from the stored text, not tokens.

_TOKEN = re.compile(r"[a-z0-9]+(?:[-/][a-z0-9]+)*")
_NUM = re.compile(r"^\d+(?:p\d+)?$")
_PARTS = re.compile(r"[-/]")
_DECIMAL = re.compile(r"(\d)\.(\d)")
# One C-level pass (str.translate) instead of a Python loop over every character: tokenizing
# is most of ingest's CPU (bench/bench_ingest.py --profile).
_GREEK_TABLE = str.maketrans(GREEK)
_stemmer = Stemmer.Stemmer("english")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # No spaces around the name: "TNF-α" must tokenize like "TNF-alpha".
    text = text.translate(_GREEK_TABLE).lower()
    # Keep decimals together ("3.5" -> "3p5") so they do not collide with "35".
    return _DECIMAL.sub(r"\1p\2", text)


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    if len(word) > 3 and word.isalpha():
        return str(_stemmer.stemWord(word))
    return word


def tokenize(text: str, *, stopwords: bool = True) -> list[str]:
    """Split ``text`` into index terms.

    Parameters
    ----------
    text
        Any text: a passage, a title or a query.
    stopwords
        Drop English function words (default True).

    Returns
    -------
    list of str
        Terms in order; compounds and number+unit pairs add a joined term.

    Examples
    --------
    >>> tokenize("Outward flow > 500 ms in HbA1c-tested TNF-α patients")
    ['outward', 'flow', '500', 'ms', '500ms', 'hba1c', 'test', 'hba1ctest', 'tnf', 'alpha', 'tnfalpha', 'patient']
    """
    norm = _normalise(text)
    out: list[str] = []
    # Names bound locally: this loop runs for every word of the corpus at ingest.
    add, stem, stop, units, num = out.append, _stem, STOPWORDS if stopwords else frozenset(), UNITS, _NUM.match
    prev_num: str | None = None
    for raw in _TOKEN.findall(norm):
        parts = _PARTS.split(raw) if ("-" in raw or "/" in raw) else (raw,)
        for p in parts:
            if p in stop:
                prev_num = None
                continue
            add(stem(p))
            if prev_num is not None and p in units:
                add(prev_num + p)
            prev_num = p if p[0].isdigit() and num(p) else None
        if len(parts) > 1:
            joined = "".join(_stem(p) for p in parts if not (stopwords and p in STOPWORDS))
            if joined and joined not in out[-1:]:
                out.append(joined)
            prev_num = None
    return out


@lru_cache(maxsize=4096)
def index_text(text: str) -> str:
    """``text``'s terms joined by spaces: what an index stores for a title or a passage.

    Cached for the last few thousand texts: ingest hands each passage to two indexes
    (FTS5 and its tantivy mirror) and a document's title comes with each of its passages,
    so without the cache the same text is tokenized two to eight times (bounded memory:
    a few MB).
    """
    return " ".join(tokenize(text))

