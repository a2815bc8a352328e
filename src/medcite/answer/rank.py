"""Stage 3, rank: candidate sentences -> the probability that each answers its sub-question.

A pointwise learning-to-rank model (logistic regression over a handful of
features; Liu 2009, "Learning to Rank for Information Retrieval", §2): BM25
evidence, idf-weighted coverage of the question's concepts in the sentence
and in its section, whether the sentence carries what the question type asks
for (a number for a threshold, a time for "how long", ...), the section heading, and the case's population.
Source structure (graded recommendation or not) is deliberately no
feature: no training set has guideline positives, so a learned weight
would only learn that guidelines are never gold; guideline-first is a
selection policy (:mod:`.select`). The weights are learned from BioASQ gold snippets, MedQuAD
question/answer pairs and PubMedQA conclusions by ``medcite train-ranker``
(:mod:`.training`) and shipped as ``ranker.json``; nothing is hand-set.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from medcite.answer.ports import SentenceRecord
from medcite.answer.retrieve import Candidate, QueryTerms
from medcite.answer.understand import INTENT_PATTERNS, SubQuestion, Understanding
from medcite.answer.vocabulary import Vocabulary
from medcite.index.tokenize import tokenize

FEATURES: tuple[str, ...] = (
    "bm25_rel", "rank_recip", "cov_sentence", "cov_section", "cov_own", "rarest_hit", "unmatched_rare",
    "cue", "heading_intent", "short", "long", "question_like", "population",
    "cue_overlap", "numbers", "sentence_rel", "fragment",
)
_NUM_UNIT = re.compile(
    r"\d(?:[\d.,]*)\s*-?\s*(?:%|percent|mg|g|kg|mcg|µg|ml|mL|l|mmol|mg/dl|mg/dL|g/dL|mmHg|ms|mm|cm|cc|units?|IU|"
    r"hours?|h|hrs?|minutes?|min|days?|d|weeks?|wks?|months?|years?|times|x|mg/kg|/hpf)\b|"
    r"[<>≤≥]\s*\d|\b\d+\s*-?\s*(?:to|-|–)\s*\d+\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve)\b",
    re.I,
)
# "5 days", "5-day course", "7- to 10-day course".
_TIME = re.compile(r"\b(\d+|one|two|three|four|six|twelve)\s*-?\s*(?:to\s*\d+\s*-?\s*)?(hours?|h|minutes?|min|days?|weeks?|"
                   r"months?|years?)\b|\b(daily|weekly|monthly|annually|yearly|every|within|before|after|until|"
                   r"at least|immediately)\b", re.I)
#: What a sentence carries when it answers a question type (a number for a threshold, a time
#: for "how long", ...): general English and units, shared with the composer's facets.
ANSWER_CUES: dict[str, re.Pattern[str]] = {
    "threshold": _NUM_UNIT,
    "dose": re.compile(r"\b\d[\d.,]*\s*(?:mg|g|mcg|µg|ml|mL|units?|IU|mg/kg|mg/m2)\b|\bdos(?:e|es|ing|age)\b", re.I),
    "timing": _TIME,
    "test": re.compile(r"\b(diagnos\w*|test\w*|screen\w*|imaging|ultrasound|radiograph\w*|CT|MRI|biops\w*|"
                       r"examination|assess\w*|evaluat\w*|measure\w*|detect\w*|sensitivity|specificity)\b", re.I),
    "treatment": re.compile(r"\b(recommend\w*|treat\w*|therap\w*|administ\w*|prescrib\w*|offer\w*|should|"
                            r"surgery|surgical|manage\w*|medication\w*|drug\w*|first-line|dose)\b|"
                            r"\b\d[\d.,]*\s*(?:mg|g|mcg|µg|units?|IU|mg/kg)\b", re.I),
    "cause": re.compile(r"\b(caus\w*|due to|result\w* (?:from|in)|risk|mutation\w*|gene\w*|inherit\w*|"
                        r"associated with|factors?)\b", re.I),
    "symptoms": re.compile(r"\b(symptom\w*|signs?|pain|swelling|fever|feel\w*|present\w* with)\b", re.I),
    "prognosis": re.compile(r"\b(prognosis|outlook|survival|mortality|percent|%|\d+ in [\d,]+|improv\w*|"
                            r"recover\w*|rare|common|affects?)\b", re.I),
    "definition": re.compile(r"\b(is an?|are an?|refers to|defined as|is the|are the|is one of|describes?|"
                             r"condition|disorder|disease)\b", re.I),
    "safety": re.compile(r"\b(safe\w*|side effects?|adverse|harm\w*|risk\w*|contraindicat\w*|avoid\w*|"
                         r"interact\w*|toxic\w*)\b", re.I),
}
#: A sentence whose subject is the kind of answer asked for ("Treatment is with hay rest.", "Symptoms include
#: a limp."): on a page about the condition it answers without naming it again.
OPENS_WITH_TYPE: dict[str, re.Pattern[str]] = {
    "treatment": re.compile(r"^\W*(?:the\s+)?(?:(?:main|usual|standard|first)\s+)?(?:treatments?|therapy|management)"
                            r"\s+(?:is|are|includes?|consists?|may|can|usually|often|depends)\b", re.I),
    "test": re.compile(r"^\W*(?:the\s+)?(?:diagnosis|tests?|testing)\s+(?:is|are|includes?|may|can|usually|often)\b",
                       re.I),
    "symptoms": re.compile(r"^\W*(?:the\s+)?(?:(?:main|common|first)\s+)?(?:symptoms|signs)(?:\s+and\s+symptoms)?"
                           r"\s+(?:is|are|includes?|may|can|usually|often)\b", re.I),
    "cause": re.compile(r"^\W*(?:the\s+)?(?:(?:main|most common|usual)\s+)?(?:causes?|risk factors)"
                        r"\s+(?:is|are|includes?|may|can)\b", re.I),
    "prognosis": re.compile(r"^\W*(?:the\s+)?(?:outlook|prognosis)\s+(?:is|are|for|depends|varies|may|can)\b", re.I),
}
#: The verb of a definition, within the first few words: "X is a", "X (also called Y) are", "X refers to";
#: not in a clause that opens with a subordinator ("If the X is caused by ...", "When X is suspected ..."):
#: such a sentence says what to do, not what X is.
_COPULA = re.compile(r"^(?!\W*(?:if|when|whether|although|though|while|because|since|unless|once|after|before|"
                     r"until|as|how|why|where|which|who|whose)\b)[^.;:]{1,80}?\b(?:is|are|refers? to|describes?|means)\b",
                     re.I)
_PARENTHESISED = re.compile(r"\([^()]*\)\.?")
_HEADING = {k: re.compile(v, re.I) for k, v in INTENT_PATTERNS.items()}
#: Question-type cue words count this much of their idf in a sentence's own score.
CUE_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class Reranker:
    """The second stage (:mod:`.rerank`): ``w_p * p + w_cos * cosine`` orders each sub-question's
    ``top`` best candidates."""

    top: int
    w_p: float
    w_cos: float

    def key(self, p: float, cos: float) -> float:
        return self.w_p * p + self.w_cos * cos


@dataclass(frozen=True, slots=True)
class Ranker:
    """A logistic model: ``p = 1 / (1 + exp(-(bias + sum(w_f * x_f))))``."""

    weights: dict[str, float]
    bias: float
    about: str = ""

    @classmethod
    def load(cls, path: Path | None = None) -> Ranker:
        """The shipped model (``medcite/answer/ranker.json``) or the one at ``path``."""
        src = path or Path(str(resources.files("medcite.answer") / "ranker.json"))
        d = json.loads(Path(src).read_text(encoding="utf-8"))
        missing = set(FEATURES) - set(d["weights"])
        if missing:
            raise ValueError(f"ranker model {src} lacks features {sorted(missing)}; run `medcite train-ranker`")
        return cls(weights={k: float(v) for k, v in d["weights"].items()}, bias=float(d["bias"]),
                   about=str(d.get("about", "")))

    def probability(self, x: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in x.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate with its features and probability of answering its sub-question."""

    cand: Candidate
    features: dict[str, float]
    p: float


class FeatureExtractor:
    """Features of candidates for one :class:`Understanding` (caches idf look-ups)."""

    def __init__(
        self, u: Understanding, terms: Sequence[QueryTerms], vocab: Vocabulary,
        about: Mapping[str, str] | None = None, abbreviations: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.u = u
        #: What each document says it is about (its declared conditions), by id.
        self.about = about or {}
        #: Each document's own short forms: doc id -> short-form token -> (as defined, long-form tokens).
        self._short = short_forms(abbreviations or {})
        self._read: dict[tuple[str, str], frozenset[str]] = {}
        self.terms = terms
        self.vocab = vocab
        all_terms = {t for qt in terms for c in qt.concepts() for t in c}
        self.vocab.df(all_terms)
        self._max_idf = math.log(max(2, vocab._n))
        self._tok: dict[str, frozenset[str]] = {}
        self._support: dict[int, list[tuple[str, ...]]] = {}
        self._concept_idf: dict[tuple[str, ...], float] = {}
        self._asking = {t for w in u.asking for t in tokenize(w)}
        self._need: dict[int, list[tuple[str, ...]]] = {}
        self._unknown: dict[int, int] = {}
        self._covered_memo: dict[tuple[int, frozenset[str]], frozenset[tuple[str, ...]]] = {}
        self._all_concepts: dict[int, tuple[tuple[str, ...], ...]] = {}
        self._sentence_scores: dict[tuple[int, str, int], float] = {}

    def _idf(self, concept: tuple[str, ...]) -> float:
        # Asked for every concept of every candidate (hundreds of thousands of times per
        # question): computed once per concept.
        w = self._concept_idf.get(concept)
        if w is None:
            # A word the index has never seen (an invented drug) weighs as much as
            # the rarest possible term: a sentence without it cannot answer.
            known = [self.vocab.idf(t) for t in concept if self.vocab.df([t])[t] > 0]
            w = self._concept_idf[concept] = max(known) if known else self._max_idf
        return w

    def _tokens(self, text: str) -> frozenset[str]:
        if text not in self._tok:
            self._tok[text] = frozenset(tokenize(text))
        return self._tok[text]

    def sentence_tokens(self, s: SentenceRecord) -> frozenset[str]:
        """The sentence's tokens, with the long form of each short form its document defines.

        A guideline defines "Clostridium difficile infection (CDI)" once and then writes
        "CDI" in every recommendation (Schwartz & Hearst 2003 definitions, mined at
        ingest): read locally, "CDI" means what it was defined as. Only a short form
        written with capitals counts ("MC", "EoE"), so a defined word that is also an
        ordinary word ("grade") does not bring its long form into every sentence.
        """
        toks = self._tokens(s.text)
        defs = self._short.get(s.doc_id)
        if not defs:
            return toks
        key = (s.doc_id, s.text)
        if key not in self._read:
            # Read once per sentence: features and sentence_score both ask (hot path).
            self._read[key] = read_short_forms(s.text, toks, defs)
        return self._read[key]

    def _covered(self, qt: QueryTerms, toks: frozenset[str]) -> frozenset[tuple[str, ...]]:
        """The concepts of ``qt`` (case words included) that ``toks`` hold, once per token set:
        four coverages, the sentence score and the rarest-concept features ask about the same
        sentence and section tokens (the hot loop of an ask)."""
        key = (id(qt), toks)
        got = self._covered_memo.get(key)
        if got is None:
            allc = self._all_concepts.get(id(qt))
            if allc is None:
                allc = self._all_concepts[id(qt)] = tuple(qt.concepts(case=True))
            got = self._covered_memo[key] = frozenset(c for c in allc if qt.covers(c, toks))
        return got

    def _coverage(self, qt: QueryTerms, concepts: Sequence[tuple[str, ...]], toks: frozenset[str]) -> float:
        covered = self._covered(qt, toks)
        total = sum(self._idf(c) for c in concepts)
        if total <= 0:
            # Every concept is in half the passages or more, so idf cannot tell them apart:
            # the case of a library of one or two documents (on the shared corpus no question
            # word is that common). Each concept then counts the same, rather than none.
            if not concepts:
                return 0.0
            return sum(1 for c in concepts if c in covered) / len(concepts)
        return sum(self._idf(c) for c in concepts if c in covered) / total

    def support_concepts(self, qt: QueryTerms) -> list[tuple[str, ...]]:
        """The concepts a sentence must cover to answer the sub-question.

        Its own words and the shared subject; when those are all generic words
        ("Is she at risk of severe disease?"), the case names the subject too.
        """
        key = id(qt)
        if key not in self._support:
            core = [c for c in qt.concepts(case=False) if not c[0].isdigit()]
            if not core or max(self._idf(c) for c in core) < self.vocab.settings.generic_idf:
                # Case words the corpus does not know (a patient's nickname for a drug, a
                # hospital's shorthand) are noise, not subject.
                core += [c for c in qt.concepts(case=True) if c not in core and not c[0].isdigit()
                         and any(self.vocab.df([t])[t] > 0 for t in c)]
            self._support[key] = core
        return self._support[key]

    def need_concepts(self, qt: QueryTerms) -> list[tuple[str, ...]]:
        """:meth:`support_concepts` without the words of question-type phrases ("first line"):
        what an answering sentence must hold (see :func:`.understand.asking_words`)."""
        key = id(qt)
        if key not in self._need:
            own = self.support_concepts(qt)
            self._need[key] = [c for c in own if c[0] not in self._asking] or own
        return self._need[key]

    def unknown(self, qt: QueryTerms) -> int:
        """Words of the sub-question or its subject that the corpus has never seen, even spelled
        otherwise or expanded (a stray word of the case does not count)."""
        key = id(qt)
        if key not in self._unknown:
            # Asked for every candidate; depends on the sub-question only.
            self._unknown[key] = sum(1 for c in qt.concepts(case=False)
                                     if not any(self.vocab.df([t])[t] > 0 for t in c))
        return self._unknown[key]

    def sentence_score(self, cand: Candidate) -> float:
        """BM25-like evidence of the sentence alone: the idf of each query concept it holds,
        cue words at a fraction (a passage's score is shared by all its sentences)."""
        key = (cand.sub, cand.sentence.doc_id, cand.sentence.idx)
        got = self._sentence_scores.get(key)
        if got is not None:
            # score() asks once for each sub-question's best, features() again for the ratio.
            return got
        qt = self.terms[cand.sub]
        st = self.sentence_tokens(cand.sentence)
        covered = self._covered(qt, st)
        v = sum(self._idf(c) for c in qt.concepts() if c in covered)
        v += CUE_SHARE * sum(self.vocab.idf(t) for t in qt.cues if t in st)
        self._sentence_scores[key] = v
        return v

    def defines(self, qt: QueryTerms, text: str) -> bool:
        """Whether ``text`` opens with what is asked about and says what it is ("Chilblains are
        small itchy swellings ..."), not merely holds "are the" ("Warm socks are the best ...")."""
        m = _COPULA.search(text)
        if m is None:
            return False
        head = tokenize(_PARENTHESISED.sub(" ", text[:m.end()].rsplit(" ", 1)[0]))
        if not head or len(head) > 5:
            return False
        # Most words of the opening are the question's: not "Many treatments for X are ...".
        asked = qt.concepts(case=False)
        named = sum(1 for t in head if any(qt.covers(c, frozenset([t])) for c in asked))
        return named * 2 > len(head)

    def features(self, cand: Candidate, best_score: float, best_sentence: float = 0.0) -> dict[str, float]:
        s = cand.sentence
        qt = self.terms[cand.sub]
        sub: SubQuestion = self.u.sub_questions[cand.sub]
        concepts = qt.concepts()
        own = self.support_concepts(qt)
        st = self.sentence_tokens(s)
        ct = st | self._tokens(s.title) | self._tokens(s.heading) | self._tokens(self.about.get(s.doc_id, ""))
        ranked = sorted(concepts, key=lambda c: -self._idf(c))
        rarest = ranked[0] if ranked else ()
        in_ct = self._covered(qt, ct)
        unmatched_rare = sum(1 for c in ranked[:3] if self.vocab.df([c[0]])[c[0]] == 0 and c not in in_ct)
        intents = [i for i in sub.intents if i in ANSWER_CUES]
        cue = sum(1 for i in intents if ANSWER_CUES[i].search(s.text)) / len(intents) if intents else 0.0
        heading = f"{s.heading} {s.label or ''}"
        heading_intent = float(any(_HEADING[i].search(heading) for i in sub.intents if i in _HEADING))
        words = len(s.text.split())
        pop = 0.0
        if qt.population:
            pop = float(any(t in st for t in qt.population))
        cues = set(qt.cues)
        return {
            "bm25_rel": cand.passage_score / best_score if best_score > 0 else 0.0,
            "rank_recip": 1.0 / (1 + cand.passage_rank),
            "cov_sentence": self._coverage(qt, concepts, st),
            "cov_section": self._coverage(qt, concepts, ct),
            "cov_own": self._coverage(qt, own, ct),
            "rarest_hit": float(bool(rarest) and rarest in in_ct),
            "unmatched_rare": float(unmatched_rare),
            "cue": cue,
            "heading_intent": heading_intent,
            "short": float(words < 6),
            "long": float(words > 60),
            "question_like": float(s.text.rstrip().endswith("?")),
            "population": pop,
            "cue_overlap": len(cues & st) / len(cues) if cues else 0.0,
            "numbers": float(bool(_NUM_UNIT.search(s.text))),
            "sentence_rel": self.sentence_score(cand) / best_sentence if best_sentence > 0 else 0.0,
            # A heading or list label ("Appropriate management of X"), not a statement.
            # A grade or evidence label in parentheses ("(Strong recommendation, low-quality
            # evidence)") belongs to the sentence before it and says nothing alone.
            "fragment": float(words < 15 and (not s.text.rstrip().endswith((".", "!", "?", ")", ":"))
                                              or _PARENTHESISED.fullmatch(s.text.strip()) is not None)),
            # Not a learned feature (no training question has an unknown word):
            # read by select.support, which gates answerability on it.
            "unknown": float(self.unknown(qt)),
            # Not learned either: the coverage select.support gates answerability on.
            "cov_need": self._coverage(qt, self.need_concepts(qt), ct),
            # Not learned: a definition question's lead is a sentence that defines (select).
            "defines": float("definition" in sub.intents and self.defines(qt, s.text)),
            # Not learned: a sentence that opens with the kind of answer asked for may lead when its
            # section or page names the subject (select).
            "states_type": float(any(OPENS_WITH_TYPE[i].search(s.text) for i in sub.intents if i in OPENS_WITH_TYPE)),
        }


#: A document's own short forms: short-form token -> (the short form as defined, its long form's tokens).
ShortForms = dict[str, tuple[str, frozenset[str]]]


def short_forms(abbreviations: Mapping[str, Mapping[str, str]]) -> dict[str, ShortForms]:
    """Each document's one-token short forms (doc id -> :data:`ShortForms`), from its mined definitions."""
    out: dict[str, ShortForms] = {}
    for doc_id, defs in abbreviations.items():
        for short, long in defs.items():
            toks = tokenize(short)
            if len(toks) == 1:
                out.setdefault(doc_id, {})[toks[0]] = (short, frozenset(tokenize(long)))
    return out


def read_short_forms(text: str, toks: frozenset[str], defs: ShortForms) -> frozenset[str]:
    """``toks`` (of ``text``) with the long form of each short form ``text`` writes in capitals."""
    extra: set[str] = set()
    for t in toks & defs.keys():
        short, long = defs[t]
        if _written_short(short, text):
            extra |= long
    return toks | extra if extra else toks


def _written_short(short: str, text: str) -> bool:
    """Whether ``text`` writes ``short`` as a short form: with at least two capitals ("CDI", "EoE", "MC")."""
    for m in re.finditer(r"(?<![\w])" + re.escape(short) + r"(?![\w])", text, re.I):
        if sum(ch.isupper() for ch in m.group()) >= 2:
            return True
    return False


def score(
    u: Understanding, terms: Sequence[QueryTerms], cands: Sequence[Candidate], vocab: Vocabulary, model: Ranker,
    about: Mapping[str, str] | None = None, abbreviations: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Scored]:
    """Every candidate with its features and probability, best first.

    ``about`` maps a document id to what the document declares it is about
    (conditions, focus): a guideline's recommendation rarely names its condition.
    """
    fx = FeatureExtractor(u, terms, vocab, about, abbreviations)
    best: dict[int, float] = {}
    best_sent: dict[int, float] = {}
    for c in cands:
        best[c.sub] = max(best.get(c.sub, 0.0), c.passage_score)
        best_sent[c.sub] = max(best_sent.get(c.sub, 0.0), fx.sentence_score(c))
    out = []
    for c in cands:
        f = fx.features(c, best.get(c.sub, 0.0), best_sent.get(c.sub, 0.0))
        out.append(Scored(c, f, model.probability(f)))
    out.sort(key=lambda s: -s.p)
    return out
