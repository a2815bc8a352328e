"""Query-side vocabulary: what a question's words are called in *this* corpus.

Three sources, none of them a hand list of medical terms:

* the index's own terms and their passage frequencies (spelling correction
  by edit distance 1, Damerau 1964 / Norvig's corrector; inflection
  variants by a shared stem prefix, so "frostbite" meets "frostbitten";
  English orthographic variants, so "haemorrhage" meets "hemorrhage");
* the corpus lexicon mined at ingest (:mod:`medcite.lexicon.mine`):
  abbreviation definitions and the sources' declared synonyms;
* general English morphology only (spelling rules, not vocabulary).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from medcite.answer.ports import Repository, Search
from medcite.index.query import SearchQuery, WeightedTerm
from medcite.index.tokenize import STOPWORDS, tokenize
from medcite.settings import AskSettings

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: Passages counted when testing which completion of a clipped word goes with its initial.
CLIP_PROBE = 200
#: Completions of a clipped word considered (the most frequent first).
CLIP_CANDIDATES = 40
#: A completion must occur in at least this many passages (not a one-off compound).
CLIP_MIN_DF = 5
#: The completion's share of passages that also hold the initial. Measured on
#: the shared corpus: "c"+"difficil" 0.17 (written "C. difficile" or in full),
#: the frequent wrong completion "c"+"differ" 0.02.
CLIP_MIN_RATIO = 0.1
#: Completions of a clipped word without an initial that are tested against the
#: question's other words (the most frequent first; each test is one search).
CLIP_COMPLETIONS = 10
#: Share of the chosen completion's letters another completion must begin with to be
#: another form of it ("vexoplasm-a"/"vexoplasm-osis" share 9 of 12; "vexo-id" 4).
CLIP_FAMILY_SHARE = 0.7
#: How many of the question's rarest other terms read a clipped word (see ``Vocabulary._context``).
CLIP_CONTEXT = 4
#: How much commoner than a clipping the corpus itself uses its completion must be to be read
#: for it. Over the 1,010 realistic and MedicationQA questions, words with a completion 30-100
#: times commoner were only halves of compounds typed apart ("vexo edema" for "vexoedema"), which
#: ``Vocabulary._written_apart`` now excludes; above 100, drug and therapy clippings (docs/decisions.md,
#: "Session 14").
CLIP_DOMINANCE = 30
#: Passages read to see whether the corpus writes a word as a name (see ``Vocabulary.writes_as_name``).
NAME_PROBE = 20
#: British -> American spelling rules (pattern on the word, replacement); a
#: variant is used only when the corpus uses it more (see ``variants``).
_ORTHO: tuple[tuple[str, str], ...] = (
    (r"ae", "e"), (r"oe", "e"), (r"our\b", "or"), (r"our(?=[a-z])", "or"), (r"is(e|ed|es|ing|ation)\b", r"iz\1"),
    (r"ys(e|ed|es|ing)\b", r"yz\1"), (r"([^aeiou])re\b", r"\1er"), (r"ph", "f"), (r"f", "ph"), (r"ll", "l"),
    (r"ogue\b", "og"), (r"ence\b", "ense"),
)


#: Stems of one word that the stemmer keeps apart (pattern on the stem, replacement): "-ancy"/"-ant"
#: ("vacanc"/"vacant"), and the Latin verbs whose noun changes the last consonant: "-mit"/"-mission"
#: ("admit"/"admiss"), "-de"/"-sion" ("decid"/"decis", "exclud"/"exclus"; from five letters, and
#: back only from "-is"/"-us", so that "base" does not become "bad").
_SIBLING: tuple[tuple[str, str], ...] = (
    (r"([ae]n)c$", r"\1t"), (r"([ae]n)t$", r"\1c"), (r"mit$", "miss"), (r"miss$", "mit"),
    (r"^(\w{3,}[aeiou])d$", r"\1s"), (r"^(\w{3,}[iu])s$", r"\1d"),
)

#: Word starts whose first letter is not heard, so is left off in writing ("soriasis" for psoriasis).
_SILENT_START = frozenset({"ps", "pn", "pt", "kn", "gn", "wr", "mn"})

#: Endings that inflection may remove from a stem, optionally after a repeated consonant ("bitten").
_ENDING = re.compile(r"^(?:[b-df-hj-np-tv-z])?(?:s|es|ed|en|er|ing|ly|al|ic|ion|y|e|ie)$")


@dataclass(frozen=True, slots=True)
class Expansion:
    """An index term added for a question word, and why."""

    term: str
    weight: float
    source: str  # "spelling" | "completion" | "variant" | "inflection" | "abbreviation" | "synonym" | "clipped"
    of: str
    #: All index terms of a multi-word long form ("chimeric antigen receptor" for "CAR"): the
    #: form stands for the question word only where most of them occur together, not one alone.
    group: tuple[str, ...] = ()
    #: The word a spelling correction reads ``of`` as, as the corpus writes it ("wolman" for "tolman").
    surface: str = ""


def written_as_name(word: str, question: str) -> bool:
    """Whether ``question`` writes ``word`` as a name: with a capital inside a sentence
    ("has Vexler syndrome") or in the possessive ("vexler's disease")."""
    for m in re.finditer(rf"\b({re.escape(word)})('s\b|s'|\b)", question, re.IGNORECASE):
        before = question[:m.start()].rstrip()
        starts = not before or before[-1] in ".?!:;"
        typed = m.group(1)
        if m.group(2) in ("'s", "s'") or (typed[0].isupper() and not starts):
            return True
    return False


def _shared_start(a: str, b: str) -> int:
    """Letters two words share from their start."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _edits1(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away (Norvig 2007)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + transposes + replaces + inserts)


class Vocabulary:
    """Corpus vocabulary for one question (caches its look-ups).

    Parameters
    ----------
    search
        Term statistics of the index.
    repo
        The lexicon mined at ingest.
    settings
        Thresholds (see docs/decisions.md for the measurements behind them).
    """

    def __init__(self, search: Search, repo: Repository, settings: AskSettings) -> None:
        self.search = search
        self.repo = repo
        self.settings = settings
        self._df: dict[str, int] = {}
        self._written_counts: dict[tuple[str, ...], int] = {}
        self._n = max(1, search.num_passages())

    @property
    def passages(self) -> int:
        """Passages in the index."""
        return self._n

    # -- statistics -------------------------------------------------------------
    def df(self, terms: Iterable[str]) -> dict[str, int]:
        want = [t for t in dict.fromkeys(terms) if t not in self._df]
        if want:
            self._df.update(self.search.doc_freq(want))
        return {t: self._df.get(t, 0) for t in terms}

    def idf(self, term: str) -> float:
        """Robertson-Sparck Jones idf over passages (0 for a term in half the index or more)."""
        n = self.df([term])[term]
        return max(0.0, math.log((self._n - n + 0.5) / (n + 0.5)))

    # -- words -> index terms ------------------------------------------------------
    def corrections(self, word: str) -> list[Expansion]:
        """Index terms for a question word the index does not know or barely knows.

        A word of four letters or more whose stem is rare is replaced by the
        most frequent index term one edit away (if that term is at least
        ``settings.spelling_ratio`` times as frequent).
        """
        w = word.lower()
        if len(w) < 4 or not w.isalpha() or w in STOPWORDS:
            return []
        stem = tokenize(w)
        if not stem:
            return []
        own = self.df(stem)[stem[0]]
        floor = self._floor()
        if own >= floor:
            return []  # a word the corpus uses, however rarely, is not a misspelling of a commoner one
        cands: dict[str, str] = {}
        for e in _edits1(w):
            if e[:1] != w[:1] and e[:2] != w[1::-1] and not (e[1:] == w and e[:2] in _SILENT_START):
                # A misspelling keeps its first letter (or swaps it with the second): a first letter
                # added, dropped or changed reads a name the corpus lacks as another word ("vexlor" ->
                # "reflor"). Over the realistic dev split, MedicationQA, BioASQ, PubMedQA and MedQuAD
                # questions, 23 of 26 such one-edit corrections were wrong (a brand read as an ordinary
                # word, a new name as an old one); one was right (docs/decisions.md, "Session 17").
                # A silent first letter left off is the exception ("neumonia").
                continue
            toks = tokenize(e)
            if len(toks) == 1 and toks[0] != stem[0]:
                cands.setdefault(toks[0], e)
        dfs = self.df(cands)
        best = max(dfs.items(), key=lambda kv: kv[1], default=("", 0))
        # The floor grows with the corpus: a random one-edit neighbour of an
        # unknown name ("juul" -> "jul") is likelier among 172k passages than 500.
        if best[1] >= max(floor, own * self.settings.spelling_ratio):
            return [Expansion(best[0], 1.0, "spelling", w, surface=cands[best[0]])]
        return self._run_together(w, own, floor)

    def _run_together(self, w: str, own: int, floor: int) -> list[Expansion]:
        """A word typed without its space before or after a function word ("dosehow", "rewarmedin"):
        the other part, when the corpus uses it (as often as a correction must be)."""
        for i in range(1, len(w)):
            left, right = w[:i], w[i:]
            for word, other in ((left, right), (right, left)):
                if other not in STOPWORDS or len(word) < 4:
                    continue
                toks = tokenize(word)
                if len(toks) == 1 and self.df(toks)[toks[0]] >= max(floor, own * self.settings.spelling_ratio):
                    return [Expansion(toks[0], 1.0, "spelling", w, surface=word)]
        return []

    def mistyped(self, word: str, function_words: frozenset[str]) -> bool:
        """Whether ``word`` is a function word typed one edit off ("waht", "thw", "thsi"): short, in
        no passage, and one deletion, transposition, substitution or insertion from one of
        ``function_words``. Such a word is not a name the corpus lacks."""
        w = word.lower()
        if len(w) > 5 or not w.isalpha() or w in function_words:
            return False
        toks = tokenize(w)
        if any(self.df([t])[t] for t in toks):
            return False
        return bool(_edits1(w) & function_words)

    def variants(self, word: str) -> list[Expansion]:
        """Orthographic (British/American) and inflectional variants the corpus uses."""
        w = word.lower()
        if len(w) < 5 or not w.isalpha() or w in STOPWORDS:
            return []
        toks = tokenize(w)
        if len(toks) != 1:
            return []
        stem = toks[0]
        own = self.df([stem])[stem]
        out: list[Expansion] = []
        ortho = {tokenize(re.sub(p, r, w, count=1))[0] for p, r in _ORTHO if re.search(p, w)} - {stem}
        ortho = {t for t in ortho if t}
        for t, n in self.df(ortho).items():
            if n > 2 * own:
                out.append(Expansion(t, 1.0, "variant", w))
        # Inflection: longer index terms that begin with the whole stem
        # ("frostbit" -> "frostbitten"), and the stem shortened by up to three
        # letters when that is an index term ("frostbitten" -> "frostbit").
        longer = {t: n for t, n in self.search.terms_with_prefix(stem, limit=40).items()
                  if t != stem and len(t) - len(stem) <= 4 and t.isalpha()}
        # Only an English ending comes off ("-en", "-ed", "-s", a repeated consonant before it), so
        # "frostbitten" meets "frostbit" but an invented name ending in "-ra" does not lose it to become another word.
        shorter = self.df([stem[:k] for k in range(len(stem) - 1, max(self.settings.inflection_prefix,
                                                                          len(stem) - 3) - 1, -1)
                           if _ENDING.match(stem[k:])])
        # The stemmer leaves "-ancy"/"-ency" and "-ant"/"-ent" apart ("vacancy" -> "vacanc",
        # "vacant" -> "vacant"): the other form is an inflection too.
        sibling = self.df([re.sub(p, r, stem) for p, r in _SIBLING if re.search(p, stem)])
        # A final "y"/"ie" becomes "i" in the stem ("vexie" -> "vexi") and goes in the other forms
        # ("vexic" -> "vex"): the stem without that "i" is a form of the word too.
        if re.search(r"(?:y|ie|ies|ied)$", w) and stem.endswith("i") and len(stem) > self.settings.inflection_prefix:
            sibling.update(self.df([stem[:-1]]))
        found = {**longer, **{t: n for t, n in {**shorter, **sibling}.items() if n > 0}}
        infl = sorted(found.items(), key=lambda kv: -kv[1])[: self.settings.inflection_max]
        out += [Expansion(t, self.settings.inflection_weight, "inflection", w) for t, _n in infl]
        return out

    def clipped(self, initial: str, word: str) -> list[Expansion]:
        """A clipped word after an initial ("C. diff"): the index term it begins that goes with the initial.

        Among index terms starting with ``word``, the one whose passages most
        often also hold the initial (P(initial | term), counted up to
        ``CLIP_PROBE`` passages) -- "difficil" (written "C. difficile") rather
        than the more frequent "differ".
        """
        w, i = word.lower(), initial.lower()
        if len(w) < 3 or not w.isalpha():
            return []
        near = {t: n for t, n in self.search.terms_with_prefix(w, limit=CLIP_CANDIDATES).items() if t != w and n > 0}
        best, best_ratio = "", 0.0
        for t, n in sorted(near.items(), key=lambda kv: -kv[1]):
            if n < CLIP_MIN_DF:
                continue
            q = SearchQuery(terms=(WeightedTerm(i), WeightedTerm(t)), required=((i,), (t,)), k=CLIP_PROBE)
            ratio = len(self.search.search_query(q)) / n
            if ratio > best_ratio:
                best, best_ratio = t, ratio
        return [Expansion(best, 1.0, "clipped", w)] if best and best_ratio >= CLIP_MIN_RATIO else []

    def completion(self, word: str, context: Sequence[str]) -> tuple[list[Expansion], int]:
        """A word typed clipped, with no initial before it ("vexo" for "vexoplasmosis"): the index term it
        begins that occurs most often with the question's other words.

        Edit distance alone turns such a word into an unrelated neighbour of the
        same length ("vexo" -> "vero"); the ending the writer left off is found
        by co-occurrence, as for an initial (:meth:`clipped`). Only for a word
        the corpus barely uses itself (under the spelling floor), only among
        completions in ``CLIP_MIN_DF`` passages or more, and only when at least
        one passage holds the completion with one of the question's four rarest
        other terms. Returns the expansions (the completion and other forms of
        it) and the completion's co-occurrence count, so a caller can weigh it
        against a correction.
        """
        w = word.lower()
        if len(w) < 4 or not w.isalpha() or w in STOPWORDS:
            return [], 0
        stem = tokenize(w)
        # A clipped word is a bare start: the stemmer finds no ending to take off ("vexo"), or
        # only a plural's "s" ("vexos"; from four letters, "vexs": docs/decisions.md, "Session 15"). A
        # whole word it does shorten ("kennels" -> "kennel", "kenneling") is not completed to another
        # ("kennelworth").
        if stem != [w] and not (w.endswith("s") and stem == [w[:-1]]):
            return [], 0
        own = self.df(stem)[stem[0]]
        ctx = self._context(w, context)
        if not ctx or self._written_apart(w, context):
            return [], 0
        near = sorted(((t, n) for t, n in self.search.terms_with_prefix(stem[0], limit=CLIP_CANDIDATES).items()
                       if len(t) > len(stem[0]) + 1 and n >= CLIP_MIN_DF and t.isalpha()), key=lambda kv: -kv[1])
        if own >= self._floor():
            # A clipping the corpus uses too ("vexo" in a few patient pages, "vexoplasmosis" in
            # thousands of passages): read as its completion as well, when a completion is
            # CLIP_DOMINANCE times as common; only such completions are candidates.
            near = [(t, n) for t, n in near if n >= CLIP_DOMINANCE * own]
        together = {t: self.together(t, ctx) for t, _n in near[:CLIP_COMPLETIONS]}
        best = max(together, key=lambda t: together[t], default="")
        if not best or not together[best]:
            return [], 0
        # Other forms of the same word come too ("vexoplasma" beside "vexoplasmosis"): completions
        # sharing most of the best one's letters, beyond what was typed, that also occur with the
        # context. Another word with the same start ("vexoid") does not.
        share = max(len(stem[0]) + 2, math.ceil(CLIP_FAMILY_SHARE * len(best)))
        family = [t for t, n in together.items() if n and (t == best or _shared_start(t, best) >= share)]
        return [Expansion(t, 1.0, "completion", w) for t in family], together[best]

    def short_forms(self, words: Sequence[str], found: Sequence[Expansion]) -> list[Expansion]:
        """The short forms the corpus defines for a word typed clipped ("Q. vexo" read as
        "vexoplasmosis"; a guideline that defines "QVI (Q. vexoplasmosis infection)" then writes only
        "QVI"): the passages that answer may never repeat the long form.

        For each word read as a clipped word's completion, the short forms whose long form holds it,
        as many as ``lexicon_max_per_term``, defined in the most documents first; weighted as lexicon
        entries. Only for clipped words: for every specific word of a question, the short forms
        of its long forms diluted the query (dev key-fact recall 0.792 -> 0.753, docs/decisions.md
        "Session 15").
        """
        read = {e.of: e.term for e in found if e.source in ("clipped", "completion")}
        terms: dict[str, str] = {}
        for w in words:
            # Keyed as the retrieval reads the word: by what a clipped word was read as.
            name = read.get(w.lower(), "")
            for t in tokenize(name):
                terms.setdefault(t, name)
        if not terms:
            return []
        out: list[Expansion] = []
        taken: dict[str, int] = {}
        for e in self.repo.short_forms(list(terms)):
            long = set(tokenize(e.expansion))
            short = tokenize(e.term)
            hits = [t for t in terms if t in long]
            if len(short) != 1 or not hits or short[0] in long:
                continue
            of = terms[hits[0]]
            if taken.get(of, 0) >= self.settings.lexicon_max_per_term:
                continue
            taken[of] = taken.get(of, 0) + 1
            out.append(Expansion(short[0], self.settings.lexicon_weight, "abbreviation", of))
        return out

    def _written(self, name: str) -> int:
        """Passages (up to ``CLIP_PROBE``) that hold every word of ``name`` (one search per name)."""
        toks = tuple(dict.fromkeys(tokenize(name)))
        if not toks:
            return 0
        if toks not in self._written_counts:
            q = SearchQuery(terms=tuple(WeightedTerm(t) for t in toks), required=tuple((t,) for t in toks),
                            k=CLIP_PROBE)
            self._written_counts[toks] = len(self.search.search_query(q))
        return self._written_counts[toks]

    def writes_as_name(self, term: str) -> bool:
        """Whether the corpus writes the index term ``term`` with a capital inside its sentences
        more often than not (read in ``NAME_PROBE`` passages that hold it)."""
        hits = self.search.search_query(SearchQuery(terms=(WeightedTerm(term),), required=((term,),), k=NAME_PROBE))
        upper = lower = 0
        for s in self.repo.sentences_of_passages([h.passage_id for h in hits]):
            for m in re.finditer(r"[A-Za-z]+", s.text):
                if m.start() == 0 or tokenize(m.group().lower()) != [term]:
                    continue  # a sentence's first word is capitalised whatever it is
                if m.group()[0].isupper():
                    upper += 1
                else:
                    lower += 1
        return upper > lower

    def _written_apart(self, word: str, words: Sequence[str]) -> bool:
        """Whether ``word`` is the first half of a compound typed as two words ("vexo plasmosis"):
        joined with the next word, it is an index term of its own."""
        low = [x.lower() for x in words]
        at = low.index(word) if word in low else len(low)
        if at + 1 >= len(low):
            return False
        joined = tokenize(word + low[at + 1])
        return len(joined) == 1 and self.df(joined)[joined[0]] >= self._floor()

    def together(self, term: str, ctx: Sequence[str]) -> int:
        """Passages (up to ``CLIP_PROBE``) holding ``term`` and one of ``ctx``."""
        q = SearchQuery(terms=(WeightedTerm(term),), required=((term,), tuple(ctx)), k=CLIP_PROBE)
        return len(self.search.search_query(q))

    def _context(self, word: str, words: Sequence[str]) -> tuple[str, ...]:
        """The four rarest index terms of ``words`` (other than ``word``'s) that the corpus uses.

        Four, not two: a vignette's two rarest words are often a lab's or a vessel's short form
        ("KVA", "Zb") that never meets the clipped word ("vexo" in "KVA kennel, Zb 6.8, vexo in lambing
        season?"), while a commoner word of the question does (docs/decisions.md, "Session 14").
        """
        own = set(tokenize(word))
        toks = [t for w in words for t in tokenize(w) if t not in own and not t.isdigit()]
        dfs = {t: n for t, n in self.df(toks).items() if n >= CLIP_MIN_DF}
        return tuple(sorted(dfs, key=lambda t: dfs[t])[:CLIP_CONTEXT])

    def _floor(self) -> int:
        return max(1, round(self.settings.spelling_min_share * self._n))

    def lexicon(self, question: str) -> list[Expansion]:
        """Abbreviations and synonyms of the question's n-grams, from the corpus lexicon."""
        words = re.findall(r"[A-Za-z0-9][\w'/.-]*[\w]|[A-Za-z0-9]", question)
        grams: dict[str, str] = {}
        for n in range(1, 6):
            for i in range(len(words) - n + 1):
                surface = " ".join(words[i:i + n])
                key = surface.lower().strip(".")
                if n == 1:
                    if key in STOPWORDS or len(key) < 2:
                        continue
                    # A short form is written with a capital or a digit ("UTI",
                    # "EoE"); typed in lower case it is looked up only when the
                    # corpus rarely uses it as a plain word ("uti", not "first").
                    if not any(c.isupper() or c.isdigit() for c in surface):
                        toks = tokenize(key)
                        if len(toks) != 1 or self.df(toks)[toks[0]] > self.settings.lowercase_abbrev_max_share * self._n:
                            continue
                grams[key] = surface
        if not grams:
            return []
        # Several words in lower case ("on day 1", "95% ci") are words, not a short form: the corpus's
        # definitions of such strings are a sentence's parenthesis ("(day 1)" after a regimen), not
        # an abbreviation. An initial and a word ("q. vexo", "q vexo"; not the words "a" and "i") is one.
        plain = {k for k, v in grams.items()
                 if " " in k and not any(c.isupper() for c in v) and not re.match(r"^[b-hj-z]\.? ", k)}
        out: list[Expansion] = []
        per_term: dict[str, int] = {}
        entries = self.repo.lexicon(list(grams))
        counts: dict[str, int] = {}
        for e in entries:
            counts[e.term] = counts.get(e.term, 0) + 1
        # A name with more synonyms than are taken ("vexoma": kennel tumour, vexomatosis, paw
        # neurinoma): the ones the corpus writes most, counted as passages holding all their words.
        many = {t for t, n in counts.items() if n > self.settings.lexicon_max_per_term}
        if many:
            entries = sorted(entries, key=lambda e: -self._written(e.expansion) if e.term in many else 0)
        for e in entries:
            if e.kind == "abbreviation" and e.term in plain:
                continue
            # Another name of a page's subject is read for the name typed only when the corpus writes
            # it more (as a spelling variant is): a name the corpus uses itself needs no other.
            if e.kind == "alias" and self._written(e.expansion) <= self._written(e.term):
                continue
            if per_term.get(e.term, 0) >= self.settings.lexicon_max_per_term:
                continue
            per_term[e.term] = per_term.get(e.term, 0) + 1
            kind = "abbreviation" if e.kind == "abbreviation" else "synonym"  # "synonym" or "alias"
            long = tuple(dict.fromkeys(tokenize(e.expansion)))
            group = long if len(long) > 1 else ()
            for t in long:
                out.append(Expansion(t, self.settings.lexicon_weight, kind, e.term, group))
        return out

    def expand(self, question: str, words: Sequence[str]) -> list[Expansion]:
        """Every expansion of the question: lexicon, spelling, variants, clipped words."""
        out = self.lexicon(question)
        after_initial = set()
        for m in re.finditer(r"\b([A-Z])\.\s*([a-z]{3,})\b", question):
            out += self.clipped(m.group(1), m.group(2))
            after_initial.add(m.group(2).lower())
        # Typed without the full stop or the capital ("treatment for q vexo"): the same reading, for a
        # word the corpus barely uses itself ("x ray" stays a ray) after a letter that does not
        # complete the word before it ("factor v test", see understand.content_words).
        for m in re.finditer(r"(?:^|(?<=[\s(]))([b-hj-zB-HJ-Z])\s+([A-Za-z]{3,})\b", question):
            before = re.findall(r"[A-Za-z]+", question[:m.start()])
            word = m.group(2).lower()
            if word in after_initial or (before and before[-1].lower() not in STOPWORDS and len(before[-1]) >= 3):
                continue
            toks = tokenize(word)
            if len(toks) == 1 and self.df(toks)[toks[0]] < self._floor():
                found = self.clipped(m.group(1), word)
                out += found
                after_initial.update(e.of for e in found)
        # A word typed in capitals ("EVALI", "ARIA") is a short form, an exact name: its one-edit
        # neighbours and inflections are other words ("evaluation"), never what was meant.
        capitals = {m.lower() for m in re.findall(r"\b[A-Z][A-Z0-9]+\b", question)}
        for w in dict.fromkeys(words):
            if w.lower() in capitals:
                continue
            corrected = self.corrections(w)
            # A name typed one letter away from an ordinary word ("Vexler's disease", "vexler" ->
            # "vexle-d"), is a name the corpus lacks, not that word misspelled: a correction of a
            # word written as a name must be a word the corpus writes as a name (an eponym typed
            # wrong, "Vexlre's", still is). Over 1,500 BioASQ and 1,500 MedQuAD questions this
            # turned away 6 wrong readings (brands and surnames read as ordinary words) and kept
            # both right ones; no realistic dev or MedicationQA question has such a correction
            # (docs/decisions.md, "Session 17").
            if corrected and written_as_name(w, question) and not self.writes_as_name(corrected[0].term):
                corrected = []
            done, n = self.completion(w, words) if w.lower() not in after_initial else ([], 0)
            # A clipped word's completion wins over a one-edit correction when it goes with the
            # question's other words more often ("vexo ... lambing": vexoplasmosis, not "vero").
            if done and (not corrected or n > self.together(corrected[0].term, self._context(w, words))):
                corrected = done
            out += corrected
            out += self.variants(w)
        out += self.short_forms(words, out)
        uniq: dict[tuple[str, str], Expansion] = {}
        for e in out:
            key = (e.of, e.term)
            if key not in uniq or e.weight > uniq[key].weight:
                uniq[key] = e
        return list(uniq.values())
