"""Words the corpus has never seen: a name of the case, the asker's own shorthand, a year asked about.

A word no passage holds, that no correction, variant or lexicon entry maps to a
known word, says something only in a library large enough that ordinary words
all occur (``AskSettings.unknown_case_min_passages``): there it names what the
patient has or takes, or a time the corpus does not reach, and an answer from
whatever else ranks first would answer around it. Used by :mod:`.understand`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from medcite.answer.vocabulary import Expansion, Vocabulary
from medcite.index.tokenize import tokenize


def shorthand(word: str, question: str, vocab: Vocabulary) -> bool:
    """A word typed in lower case that no passage holds and that is too short to be a name (three
    letters or fewer) or written without vowels ("mgmt", "hx")."""
    short = len(word) <= 3 or (len(word) <= 5 and not re.search(r"[aeiouy]", word))
    if not short or not word.isalpha() or not re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", question):
        return False
    return all(vocab.df([t])[t] == 0 for t in tokenize(word) or [word])


def unknown_names(stated: Sequence[str], vocab: Vocabulary, expansions: Sequence[Expansion]) -> tuple[str, ...]:
    """Content words of the case (``stated``: what the message states rather than asks, as
    :func:`.understand.content_words` gives them) that no passage holds and that no correction,
    variant or lexicon entry maps to a word the corpus knows.

    Such a word names what the patient has or takes ("on velmorastat 20 mg"):
    an answer about that patient that cannot read it would answer around it.
    Words with digits ("ex-30-weeker") are measures, not names, and short words
    (under six letters) are too often a stray abbreviation of the asker's own.
    Only in a library of ``settings.unknown_case_min_passages`` or more.
    """
    if vocab.passages < vocab.settings.unknown_case_min_passages:
        return ()  # in a small library most ordinary words are unseen: absence says nothing
    expanded = {e.of for e in expansions}
    out: list[str] = []
    for w in stated:
        if len(w.replace("-", "")) < 6 or not w.replace("-", "").isalpha() or w in expanded:
            continue
        if "-" in w:
            # A hyphenated name ("Smith-Jones syndrome") is unknown when one of its long parts is
            # (a surname part may be known from a reference list), and that part is no misspelling.
            if any(len(p) >= 6 and p not in expanded and _unseen(p, vocab) and not vocab.corrections(p)
                   for p in w.split("-")):
                out.append(w)
            continue
        if _unseen(w, vocab):
            out.append(w)
    return tuple(dict.fromkeys(out))


def _unseen(word: str, vocab: Vocabulary) -> bool:
    toks = tokenize(word)
    return bool(toks) and all(vocab.df([t])[t] == 0 for t in toks)


#: A calendar year as written in a question ("the 2031 guideline", "since 1998").
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def unseen_years(asked: Sequence[str], vocab: Vocabulary) -> tuple[str, ...]:
    """Years named by what the message asks ("What did the 2031 guideline recommend?") that
    no passage mentions: the corpus holds nothing from or about that year, and an answer from
    other years' sources would pass them off as it.

    A year the message states ("diagnosed in 2019") says when something happened to the
    patient and is not checked. Only in a library of ``settings.unknown_case_min_passages``
    or more (a small library leaves most years unmentioned).
    """
    if vocab.passages < vocab.settings.unknown_case_min_passages:
        return ()
    years = list(dict.fromkeys(y for p in asked for y in _YEAR.findall(p)))
    return tuple(y for y in years if vocab.df([y])[y] == 0)
