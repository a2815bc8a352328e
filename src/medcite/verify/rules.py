"""A rule-based verifier: is a statement supported by the exact quotes it cites?

Checks, each with a reason a reviewer can act on:

- ``numbers``: every number of the statement is in a cited quote, with the same
  unit and the same comparator (at least, below, within, ...);
- ``negation``: the statement adds no negation its quotes lack, and drops none
  of theirs from the thing they negate;
- ``direction``: no word of one direction (increase, first-line, before, ...)
  where the quotes say the opposite;
- ``names``: no drug name (by WHO INN stem) or proper name the quotes lack;
- ``population``: no patient group (children, pregnancy, ...) the quotes lack;
- ``sources``: a guideline section cites guidelines only; a number must come
  from a quote that is cited, so a guideline's advice and a study's number
  can be combined only by citing both.

No entailment model ships in a registry package (checked), so these rules are
the verifier; its recall per perturbation type and its false alarms on
meaning-preserving rewrites are measured by ``medcite eval verifier``. The
approach follows claim-level verification against retrieved evidence as in
FActScore (Min et al., 2023, "FActScore: Fine-grained Atomic Evaluation of
Factual Precision in Long Form Text Generation"), with rules in place of the
model.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence

from medcite.verify.claims import (
    DIRECTIONS,
    INN_STEMS,
    POPULATIONS,
    has_stem,
    negations,
    numbers,
    populations,
    stem6,
    words,
)
from medcite.verify.model import Check, CitedQuote, Verdict

#: ``word_share(words) -> {word: share of the corpus's documents that contain it}`` (0 for unseen words).
WordShare = Callable[[Sequence[str]], dict[str, float]]

#: Words a statement may add without being a claim of its own (function words and reporting verbs).
_PLAIN = frozenset({
    "this", "that", "these", "those", "with", "from", "into", "than", "then", "they", "them", "their", "there",
    "which", "while", "when", "where", "what", "whom", "whose", "also", "both", "each", "such", "some", "only",
    "have", "been", "were", "will", "would", "should", "could", "shall", "must", "about", "using", "used",
})

_COMPARATOR_WORDS = {"ge": "at least", "le": "at most", "gt": "more than", "lt": "less than", "within": "within"}


def _best_quote(statement_words: set[str], quotes: Sequence[CitedQuote]) -> CitedQuote:
    """The quote sharing the most words with the statement (the one it restates)."""
    return max(quotes, key=lambda q: len(statement_words & set(words(q.text))))


def check_numbers(statement: str, quotes: Sequence[CitedQuote]) -> Check:
    found = [(q, n) for q in quotes for n in numbers(q.text)]
    problems: list[str] = []
    stated = numbers(statement)
    for n in stated:
        same = [m for _q, m in found if m.value == n.value]
        if not same:
            problems.append(f"{n.value} is in none of the cited quotes")
            continue
        if sum(1 for m in stated if m.value == n.value) > len(same):
            # "15 to 15 minutes" from "10 to 15 minutes": every 15 is quoted, but not twice.
            problems.append(f"{n.value} appears more often than in the cited quotes")
            continue
        if n.unit is not None and not any(m.unit == n.unit for m in same):
            units = sorted({m.unit or "no unit" for m in same})
            problems.append(f"{n.value} {n.unit}: the quotes give {n.value} with {', '.join(units)}")
            continue
        comparators = {m.comparator for m in same}
        if n.comparator not in comparators:
            said = _COMPARATOR_WORDS.get(n.comparator or "", "exactly")
            quoted = ", ".join(sorted(_COMPARATOR_WORDS.get(c or "", "exactly") for c in comparators))
            problems.append(f"'{said} {n.value}' but the quotes say '{quoted} {n.value}'")
    problems = list(dict.fromkeys(problems))
    return Check("numbers", not problems, "; ".join(problems) or "every number, unit and comparator is quoted")


def _negated(ws: list[str], cues: list[tuple[int, str]]) -> list[tuple[str, str]]:
    """``(cue, the word it negates)`` pairs: the first content word within three words after each cue."""
    out = []
    for i, cue in cues:
        scope = next((w for w in ws[i + 1:i + 4] if len(w) > 3 and w not in {"been", "with", "have", "should"}), None)
        if scope:
            out.append((cue, scope))
    return out


def check_negation(statement: str, quotes: Sequence[CitedQuote]) -> Check:
    sw = words(statement)
    best = _best_quote(set(sw), quotes)
    qw = words(best.text)
    s_neg, q_neg = negations(statement), negations(best.text)
    if len(s_neg) > len(q_neg):
        extra = [c for _i, c in s_neg]
        return Check("negation", False, f"the statement negates ('{', '.join(extra)}') where the quote does not")
    # A quote's negation dropped: wrong when what it negates is still stated, without it.
    mine = set(_negated(sw, s_neg))
    sset = set(sw)
    for cue, scope in _negated(qw, q_neg):
        if scope in sset and (cue, scope) not in mine:
            return Check("negation", False, f"the quote says '{cue} … {scope}'; the statement drops '{cue}'")
    return Check("negation", True, "negations agree")


def check_direction(statement: str, quotes: Sequence[CitedQuote]) -> Check:
    sw = words(statement)
    qw = set(words(" ".join(q.text for q in quotes)))
    for a, b in DIRECTIONS:
        for mine, other in ((a, b), (b, a)):
            if has_stem(sw, mine) and not has_stem(qw, mine) and has_stem(qw, other):
                said = next(w for w in sw if has_stem([w], mine))
                return Check("direction", False, f"the statement says '{said}' where the quotes say the opposite")
    return Check("direction", True, "directions agree")


def substitutions(statement: str, quote: str) -> list[tuple[str, str]]:
    """Word pairs where the statement replaced a word of the quote (one or two words each side).

    >>> substitutions("Give it to adults and children.", "Give it to adults and infants.")
    [('infants', 'children')]
    """
    a, b = words(quote), words(statement)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "replace" and i2 - i1 <= 2 and j2 - j1 <= 2:
            out += list(zip(a[i1:i2], b[j1:j2], strict=False))
    return out


def check_substitutions(statement: str, quotes: Sequence[CitedQuote]) -> Check:
    """A patient group or a direction swapped in place, even when the quote names both elsewhere."""
    best = _best_quote(set(words(statement)), quotes)
    for old, new in substitutions(statement, best.text):
        po, pn = populations(old), populations(new)
        if po and pn and not po & pn:
            return Check("substitution", False, f"the statement says '{new}' where the quote says '{old}'")
        for x, y in DIRECTIONS:
            if (has_stem([old], x) and has_stem([new], y)) or (has_stem([old], y) and has_stem([new], x)):
                return Check("substitution", False, f"the statement says '{new}' where the quote says '{old}'")
    return Check("substitution", True, "no group or direction swapped")


def check_terms(statement: str, quotes: Sequence[CitedQuote], word_share: WordShare | None,
                rare_share: float) -> Check:
    """Rare words of the corpus (drug, test and disease names) that the statement adds to its quotes."""
    if word_share is None:
        return Check("terms", True, "no corpus vocabulary given")
    quoted = {stem6(p) for q in quotes for w in words(q.text) for p in w.split("-")}
    # Parts of hyphenated words count alone: "X-based" from "Y-based" adds X.
    new = [p for w in dict.fromkeys(words(statement)) for p in w.split("-")
           if len(p) >= 4 and p.isalpha() and p not in _PLAIN and stem6(p) not in quoted]
    if not new:
        return Check("terms", True, "no new terms")
    shares = word_share(new)
    rare = [w for w in new if shares.get(w, 0.0) < rare_share]
    if rare:
        return Check("terms", False, "; ".join(f"'{w}' is not in the cited quotes" for w in rare))
    return Check("terms", True, "new words are common ones")


def check_names(statement: str, quotes: Sequence[CitedQuote]) -> Check:
    quoted = {stem6(p) for q in quotes for w in words(q.text) for p in w.split("-")}
    tokens = statement.split()
    problems = []
    for i, tok in enumerate(tokens):
        w = tok.strip(".,;:()[]\"'")
        lw = w.lower()
        parts = [p for x in words(w) for p in x.split("-")]
        if len(w) < 4 or not w.isalpha() or all(stem6(p) in quoted for p in parts):
            continue
        if INN_STEMS.search(lw):
            problems.append(f"'{w}' (a drug name) is not in the cited quotes")
        elif i > 0 and w[0].isupper() and not tokens[i - 1].endswith((".", ":")) and not w.isupper():
            problems.append(f"'{w}' (a name) is not in the cited quotes")
    return Check("names", not problems, "; ".join(problems) or "every named drug and name is quoted")


def check_population(statement: str, quotes: Sequence[CitedQuote]) -> Check:
    quoted = set().union(*(populations(q.text) for q in quotes)) if quotes else set()
    extra = populations(statement) - quoted
    if extra:
        names = ", ".join(POPULATIONS[i][0] for i in sorted(extra))
        return Check("population", False, f"the statement is about {names}; the quotes are not")
    return Check("population", True, "the same patients")


def check_sources(section_kind: str | None, quotes: Sequence[CitedQuote]) -> Check:
    if section_kind == "guideline":
        other = sorted({q.source_kind for q in quotes if q.source_kind and q.source_kind != "guideline"})
        if other:
            return Check("sources", False, f"a guideline section cites a {', '.join(other)} source")
    return Check("sources", True, "citations fit the section")


class RuleVerifier:
    """The default :class:`~medcite.verify.model.Verifier`: the checks above, all of which must pass.

    Parameters
    ----------
    word_share
        The corpus vocabulary (share of documents holding a word), for the
        ``terms`` check; without it that check is skipped.
    rare_share
        Words rarer than this share that a statement adds are flagged
        (:class:`~medcite.settings.VerifySettings`, chosen on the benchmark's dev split).
    """

    def __init__(self, word_share: WordShare | None = None, rare_share: float = 0.01) -> None:
        self.word_share = word_share
        self.rare_share = rare_share

    def verify(self, statement: str, quotes: Sequence[CitedQuote], *, section_kind: str | None = None) -> Verdict:
        if not quotes:
            return Verdict(False, (Check("quotes", False, "the statement cites no quote"),))
        checks = (
            check_numbers(statement, quotes),
            check_negation(statement, quotes),
            check_direction(statement, quotes),
            check_names(statement, quotes),
            check_population(statement, quotes),
            check_substitutions(statement, quotes),
            check_terms(statement, quotes, self.word_share, self.rare_share),
            check_sources(section_kind, quotes),
        )
        return Verdict(all(c.ok for c in checks), checks)
