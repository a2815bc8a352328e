"""The notation of clinical writing, read as the words it stands for.

Clinicians type their notes' shorthand into a question ("hip fx, how soon to
the OR?", "hx of vexoplasmosis", "f/u after tx"). The corpus is written out in
full, so these forms match nothing (most have document frequency 0 here), or
worse, match the corpus's own definition of the same letters for something
else ("Tx" defined once as a drug's short name). This module rewrites them
before the question is analysed.

The table is the closed class of note notation by form -- a letter followed by
"x" for the headings of a clinical note (diagnosis, treatment, history,
symptoms, fracture, biopsy, prescription; "abx" for antibiotics) and the slash
forms ("w/", "s/p", "h/o", "c/o", "r/o", "f/u") -- listed in full, as the
English function words are elsewhere; it names no disease or drug. Only the
lower-case or capitalised forms are read: an all-capital "PX" or "FX" is as
likely a name of its own (a product's suffix, a gene) and stays for the corpus
lexicon to read. Question words in chat spelling ("hw", "wat", "wen") are read
the same way.
"""

from __future__ import annotations

import re

#: Shorthand -> the words it stands for (lower case; "Dx" and "dx" alike).
NOTATION: dict[str, str] = {
    "dx": "diagnosis",
    "ddx": "differential diagnosis",
    "tx": "treatment",
    "rx": "prescription",
    "hx": "history",
    "sx": "symptoms",
    "fx": "fracture",
    "bx": "biopsy",
    "abx": "antibiotics",
    "w/": "with",
    "w/o": "without",
    "s/p": "after",
    "h/o": "history of",
    "c/o": "complaining of",
    "r/o": "rule out",
    "f/u": "follow-up",
    # Question words in chat spelling ("hw long does it last", "wat causes it"): typed this way they
    # match no question type, and "long" would be read as a subject.
    "hw": "how",
    "wat": "what",
    "wht": "what",
    "wen": "when",
    "whn": "when",
}

# Longest first, so "w/o" is read before "w/". A form stands alone: not inside a word
# ("tx" in "ptx"), not part of a path or a ratio ("a/b/c").
_FORMS = sorted(NOTATION, key=len, reverse=True)
_NOTE = re.compile(
    r"(?<![\w/])(" + "|".join(re.escape(f) for f in _FORMS) + r")(?![\w/])", re.IGNORECASE,
)
# "go to the OR": to surgery; "in the OR": the operating room. Written in capitals; lower-case
# "or" is the conjunction.
_TO_THEATRE = re.compile(r"\b(to|into)\s+(?:the\s+)?OR\b")
_THEATRE = re.compile(r"\b(in|from|the)\s+OR\b")


def _read(m: re.Match[str]) -> str:
    form = m.group(1)
    if form.isupper() and len(form.rstrip("/")) > 1:
        return form  # "FX", "TX": possibly a name; the lexicon decides
    return NOTATION[form.lower()]


def read_notation(text: str) -> str:
    """``text`` with clinical note shorthand written out.

    >>> read_notation("vexo fx in an 80F, how soon to the OR? Hx of falls w/o LOC")
    'vexo fracture in an 80F, how soon to surgery? history of falls without LOC'
    >>> read_notation("Supartz FX, or tx?")
    'Supartz FX, or treatment?'
    """
    text = _TO_THEATRE.sub(lambda m: f"{m.group(1)} surgery", text)
    text = _THEATRE.sub(lambda m: f"{m.group(1)} operating room", text)
    return _NOTE.sub(_read, text)
