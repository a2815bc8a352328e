"""Sentence-level evidence selection: relevance, facet, redundancy.

Every candidate sentence is scored by (a) how squarely it is about the focus
(the focus or a synonym in the sentence beats a related condition, which
beats a sentence that is only in a document about the focus), (b) whether it
speaks to a facet the question asks, (c) its passage's BM25 score and (d)
plain quality checks (fragments, boilerplate, symptom-frequency tables).
Redundancy is removed with maximal marginal relevance (Carbonell &
Goldstein, "The use of MMR, diversity-based reranking for reordering
documents and producing summaries", SIGIR 1998), with token-set Jaccard
similarity and a small penalty per already-covered facet so the article
covers the facets instead of repeating the strongest one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from medcite.answer.retrieve import Candidate
from medcite.index.tokenize import tokenize
from medcite.model import Facet

#: Sentence cues per facet (lower case); the first facet with the most hits wins.
SENTENCE_FACETS: dict[Facet, re.Pattern[str]] = {
    "definition": re.compile(
        r"\b(is|are) (a|an|the) (common |chronic |rare |serious )?(condition|disease|disorder|term|"
        r"group|type|form|state|problem)\b|\brefers? to\b|\bis defined as\b|\bdefinition\b|\bmeans? that\b|"
        r"\b(occurs?|happens?) when\b|\bare (swollen|enlarged)\b"
    ),
    "causes": re.compile(
        r"\b(caus\w*|due to|result(s|ing)? from|risk factors?|pathophysiolog\w*|etiolog\w*|mechanism\w*|"
        r"genetic|valves? (are |is )?(weak|damaged|incompetent)|predispos\w*|lead(s)? to|"
        r"raise (your|the) risk|risk (for|of)|back up|pool)\b"
    ),
    "symptoms": re.compile(
        r"\b(symptom\w*|signs?|aching|heaviness|itch\w*|swelling|swollen|cramp\w*|pain(ful)?|discomfort|"
        r"fatigue|bleeding|present with)\b"
    ),
    "diagnosis": re.compile(
        r"\b(diagnos\w*|duplex|ultrasound|ultrasonograph\w*|imaging|plethysmograph\w*|venograph\w*|"
        r"examination|evaluation|assess\w*|tests?|screen\w*|biopsy|ankle-brachial|classif\w*|"
        r"reflux (time|duration)|outward flow|\d+ ?ms\b)"
    ),
    "treatment": re.compile(
        r"\b(treat\w*|therap\w*|offer|manag\w*|ablation|sclerotherapy|compression|hosiery|stockings?|"
        r"bandag\w*|surg\w*|stripping|ligation|phlebectomy|dressings?|antibiotics?|medications?|drugs?|"
        r"intervention\w*|elevat\w*|exercise|procedures?|laser|radiofrequency)\b"
    ),
    "prognosis": re.compile(r"\b(prognos\w*|outlook|surviv\w*|mortality|recurr\w*|progress\w*|complications?)\b"),
    "prevention": re.compile(r"\b(prevent\w*|prophyla\w*|avoid\w*|reduce (your|the) risk)\b"),
    "dosing": re.compile(r"\b\d+(\.\d+)? ?(mg|mcg|g|ml|units?|iu)\b|\bdos(e|es|ing|age)\b|\b(once|twice) daily\b"),
}

_TIE_ORDER: list[Facet] = [
    "treatment", "diagnosis", "definition", "symptoms", "causes", "prognosis", "prevention", "dosing", "other",
]

#: MedQuAD question types and common headings -> facet.
LABEL_FACETS: dict[str, Facet] = {
    "information": "definition", "causes": "causes", "symptoms": "symptoms", "exams and tests": "diagnosis",
    "treatment": "treatment", "outlook": "prognosis", "prevention": "prevention", "susceptibility": "causes",
    "inheritance": "causes", "genetic changes": "causes", "complications": "prognosis", "stages": "diagnosis",
    "frequency": "other", "considerations": "other", "research": "other", "support groups": "other",
}
_HEADING_FACETS: list[tuple[re.Pattern[str], Facet]] = [
    (re.compile(r"defin|what is|what are", re.I), "definition"),
    (re.compile(r"patholog|caus|etiolog|risk", re.I), "causes"),
    (re.compile(r"symptom|sign", re.I), "symptoms"),
    (re.compile(r"diagnos|assess|evaluat|exam|test|imaging|screen", re.I), "diagnosis"),
    (re.compile(r"treat|therap|manag|care|interven|surg|ablation|compress", re.I), "treatment"),
    (re.compile(r"prognos|outlook|follow", re.I), "prognosis"),
    (re.compile(r"prevent|prophyla", re.I), "prevention"),
]

#: Text that is about the document, not the medicine.
_BOILERPLATE = re.compile(
    r"(refer to|see) the (original|full)|see the .{0,60}(section|field|version)|national guideline clearinghouse|"
    r"\bNGC\b|guideline development group|this guideline|these guidelines|the guideline developers?|"
    r"this summary|full version|available (from|at) the|web site|website|www\.|https?://|copyright|"
    r"click here|for more information|go to the|\breferences\]|\bet al\b|definitions? of the strength|"
    r"recommendation grades?|levels? of evidence\b.{0,20}(are|is) (defined|provided)|espa[nñ]ol|"
    r"^\s*(note|notes|abbreviations?)\s*:|^\W*(grade|level of evidence|best practice|strength of)\b[^.]{0,60}\]?\s*$",
    re.I,
)
#: NGC summary sections that describe the guideline, not the disease.
_META_HEADINGS = re.compile(
    r"methods|type of evidence|qualifying|implementation|financial|disclos|availability|copyright|"
    r"source\(s\)|adaptation|date released|guideline (status|developer|committee|endorser)|composition|"
    r"bibliographic|target population|intended users|major outcomes|scope|objective|clinical algorithm|"
    r"description of|rating scheme|cost analysis|pilot|patient resources|companion|ngc status|"
    r"institute of medicine|identifying information|interventions and practices|footnotes|definitions",
    re.I,
)
#: Abstract sections: results and conclusions answer, methods describe.
_LABEL_WEIGHT: dict[str, float] = {
    "RESULTS": 1.1, "CONCLUSIONS": 1.2, "CONCLUSION": 1.2, "FINDINGS": 1.1, "INTERPRETATION": 1.1,
    "METHODS": 0.75, "DESIGN": 0.7, "SETTING": 0.7, "PATIENTS": 0.75, "SUBJECTS": 0.75, "OBJECTIVE": 0.8,
    "OBJECTIVES": 0.8, "BACKGROUND": 0.9, "INTRODUCTION": 0.9,
}
_PERCENT_TABLE = re.compile(r"\d+%")
_TABLE_ROW = re.compile(r"\s\|\s|^\W*variant \d+\s*:|^\s*(figure|table) \w+[.:]", re.I)
_DEF_START = re.compile(
    r"^\W*([\w' -]{2,60}?)\s*(\([^)]*\)\s*)?(,[^,]{2,60},\s*)?\b(is|are|refers to|means|occurs when|happens when)\b",
    re.I,
)


#: A focus that relates things ("TRH on myocardial contractility"), not one name.
_RELATIONAL = re.compile(r"\s(in|on|and|with|for|of|after|during|to|between|from|versus|vs|or|by)\s", re.I)


@dataclass(frozen=True, slots=True)
class FocusTerms:
    """Stemmed token sets: the focus with its synonyms, related conditions, qualifiers."""

    focus: tuple[frozenset[str], ...]
    related: tuple[frozenset[str], ...]
    qualifiers: tuple[frozenset[str], ...]
    long_focus: bool
    #: Distinctive single tokens of the focus and synonyms ("reflux").
    focus_tokens: frozenset[str] = frozenset()
    #: idf of each focus token (long, research-style focus only).
    weights: tuple[tuple[str, float], ...] = ()
    #: Head terms of a relational focus: all present anywhere in a sentence.
    bags: tuple[frozenset[str], ...] = ()

    @classmethod
    def build(
        cls, focus: Sequence[str], related: Sequence[str], qualifiers: Sequence[str],
        idf: Callable[[str], float] | None = None, head: Sequence[str] = (), relational: bool = False,
    ) -> FocusTerms:
        """Token sets of the focus terms; ``head`` (already stemmed, see
        :meth:`~medcite.answer.retrieve.TermStats.head`) is a further way to
        match the focus, so "COUGER" counts without the generic "tool".
        ``relational`` (a research question: "the role of RhoA in bladder
        cancer") lets the head terms of a focus joined by a preposition
        co-occur anywhere in a sentence instead of as one phrase."""
        def sets(terms: Sequence[str]) -> tuple[frozenset[str], ...]:
            return tuple(s for s in (frozenset(tokenize(t)) for t in terms) if s)

        f = sets(focus)
        hs = frozenset(head)
        bags: tuple[frozenset[str], ...] = ()
        if f and hs and hs <= f[0] and relational and _RELATIONAL.search(focus[0]):
            # "RhoA in bladder cancer" relates two things a sentence may
            # name far apart: the head terms need only co-occur.
            bags = (hs,)
        elif f and hs and hs < f[0]:
            f = (f[0], hs, *f[1:])
        rel = sets(related)
        # Tokens shared with a related condition name ("venous") say nothing.
        common = frozenset().union(*rel) if rel else frozenset()
        ft = frozenset().union(*f) - common if f else frozenset()
        long_focus = bool(f) and len(f[0]) > 3
        weights = tuple((t, idf(t) if idf else 1.0) for t in sorted(f[0])) if long_focus else ()
        return cls(f, rel, sets(qualifiers), long_focus, ft, weights, bags)

    def hit(self, seq: Sequence[str]) -> bool:
        """The focus (a phrase, in proximity) or its head terms (co-occurring) are in ``seq``."""
        return matches(seq, self.focus) or (bool(self.bags) and any(b <= set(seq) for b in self.bags))

    def weighted_coverage(self, toks: set[str]) -> float:
        """idf-weighted share of the (long) focus's tokens present in ``toks``."""
        total = sum(w for _t, w in self.weights) or 1.0
        return sum(w for t, w in self.weights if t in toks) / total


#: The verb of a recommendation and what follows it: "the Committee suggests
#: ablation of ...", "Use duplex ultrasound to ...", "Offer compression".
_ACTION = re.compile(
    r"(?:^|\b(?:suggests?|recommends?|advises?|should)\s+(?:against\s+|that\s+|the\s+use\s+of\s+)?)"
    r"(?P<obj>(?:(?:do\s+not\s+)?(?:offer|use|consider|perform|start|give|prescribe|refer|measure|assess|"
    r"screen|treat|evaluate|obtain|order)\b)?[^,;:]{0,70})",
    re.I,
)


def _counts(low: str) -> dict[Facet, int]:
    return {f: len(rx.findall(low)) for f, rx in SENTENCE_FACETS.items()}


def _pick(counts: dict[Facet, int], sec: Facet) -> Facet | None:
    best = max(counts.values())
    if best <= 0:
        return None
    tied = [f for f, n in counts.items() if n == best]
    # Ties go to the section's facet when it is one of the tied ones.
    if sec in tied:
        return sec
    # What a sentence recommends doing says more than what it mentions.
    return min(tied, key=_TIE_ORDER.index)


def main_action(text: str) -> str:
    """The words right after a recommendation verb ("suggests ablation of the ...").

    A recommendation's facet is what it tells the reader to *do*: "the
    Committee suggests ablation of ... pathologic perforating veins (outward
    flow of >500 ms)" is a treatment recommendation that happens to quote a
    diagnostic threshold in its patient description.

    >>> main_action("In a patient with reflux (>500 ms), the Committee suggests ablation of the veins.")
    'ablation of the veins.'
    >>> main_action("Use duplex ultrasound to confirm the diagnosis of varicose veins.")
    'Use duplex ultrasound to confirm the diagnosis of varicose veins.'
    """
    found = [m for m in _ACTION.finditer(text) if m.group("obj").strip() and m.start() > 0]
    if found:
        return found[0].group("obj").strip()
    m = re.match(r"\W*(?:do\s+not\s+)?(offer|use|consider|perform|start|give|prescribe|refer|measure|assess|screen|"
                 r"treat|evaluate|obtain|order|advise|inform|ensure)\b", text, re.I)
    return text.strip() if m else ""


def classify(text: str, heading: str = "", label: str | None = None) -> Facet:
    """The facet a sentence speaks to: its main action, its cue words, then its section.

    The words after a recommendation verb decide first (see :func:`main_action`);
    otherwise the facet with the most cue words in the whole sentence wins,
    ties going to the section's facet, then to what a sentence recommends
    doing over what it mentions.
    """
    sec = section_facet(heading, label)
    action = main_action(text)
    if action:
        words = " ".join(action.split()[:7]).lower()
        got = _pick(_counts(words), sec)
        if got is not None and got != "definition":
            return got
    got = _pick(_counts(text.lower()), sec)
    return got if got is not None else sec


def section_facet(heading: str, label: str | None) -> Facet:
    if label and label.lower() in LABEL_FACETS:
        return LABEL_FACETS[label.lower()]
    for rx, f in _HEADING_FACETS:
        if rx.search(heading):
            return f
    return "other"


def coverage(needles: Iterable[frozenset[str]], hay: set[str]) -> float:
    """Best fraction of one needle's tokens found in ``hay``."""
    return max((len(n & hay) / len(n) for n in needles), default=0.0)


def phrase_in(seq: Sequence[str], phrase: frozenset[str], slack: int = 2) -> bool:
    """All tokens of ``phrase`` within a window of ``len(phrase) + slack`` tokens of ``seq``.

    Proximity, not bag-of-words: "chronic kidney disease ... central venous"
    must not count as "chronic venous disease".

    >>> phrase_in(["chronic", "venous", "insuffici"], frozenset({"venous", "insuffici"}))
    True
    >>> far = ["chronic", "kidney", "diseas", "need", "long", "term", "central", "venous", "access"]
    >>> phrase_in(far, frozenset({"chronic", "venous", "diseas"}))
    False
    """
    if not phrase or not phrase <= set(seq):
        return False
    w = len(phrase) + slack
    return any(phrase <= set(seq[i:i + w]) for i in range(max(1, len(seq) - w + 1)))


def matches(seq: Sequence[str], phrases: Iterable[frozenset[str]]) -> bool:
    return any(phrase_in(seq, p) for p in phrases)


def defines(text: str, terms: FocusTerms) -> str:
    """``"focus"`` when ``text`` defines the focus or a synonym, ``"related"``
    when it defines a related condition, else ``""``.

    A definition is a sentence of the form "<name> is/are/refers to/means
    ...", give or take a pronunciation or an abbreviation in parentheses.
    """
    # "Varicose (VAR-i-kos) veins are ...": pronunciations and abbreviations aside.
    plain = re.sub(r"\s*\([^)]*\)", "", text)
    m = _DEF_START.match(plain)
    if not m:
        return ""
    after = plain[m.end():].split()[:1]
    if (
        after and re.match(r"(\w+ed|usually|often|also|not|more|less|most|many|found|seen|known|at|in|on)$", after[0], re.I)
        and not re.match(r"(defined|caused|characteri[sz]ed|called)$", after[0], re.I)
    ):
        return ""  # "Varicose veins are treated with ..." is not a definition
    if re.match(r"\W*(if|when|although|because|while|since|as|once|unless|whether)\b", m.group(1), re.I):
        return ""  # a conditional clause, not a subject
    subject = set(tokenize(m.group(1)))
    # The subject must BE the focus (or a related name), give or take one
    # modifier: "Repeat glaucoma testing ... is recommended" defines nothing.
    if any(p <= subject and len(subject - p) <= 1 for p in terms.focus):
        return "focus"
    if any(p <= subject and len(subject - p) <= 1 for p in terms.related):
        return "related"
    return ""


def is_definition(text: str, terms: FocusTerms) -> bool:
    """A sentence of the form "<focus or synonym or related> is/are/refers to ..."."""
    return bool(defines(text, terms))


def quality(c: Candidate) -> float:
    """A multiplier in [0, 1]: 0 drops the sentence."""
    t = c.text
    words = len(t.split())
    if words < 5 or _BOILERPLATE.search(t) or len(_PERCENT_TABLE.findall(t)) >= 4:
        return 0.0
    if c.source_kind == "guideline" and c.field != "recommendation" and _META_HEADINGS.search(c.heading or ""):
        return 0.0
    if _TABLE_ROW.search(t):
        return 0.0  # a table row ("CT abdomen | May Be Appropriate") or a scenario label ("Variant 1:")
    if "\n" not in t and words < 12 and not t.rstrip().endswith((".", "!")):
        return 0.0  # a heading or a bare term ("Type 2 diabetes mellitus (T2DM)"), not a statement
    q = 1.0
    if not (t[0].isupper() or t[0].isdigit() or t[0] in "-•(\"'"):
        q *= 0.6  # a fragment continuing the previous sentence
    if words > 110:
        q *= 0.6
    elif words > 55 and "\n" not in t:
        q *= 0.85  # long multi-clause recommendations read badly as summary statements
    if not t.rstrip().endswith((".", ":", ")", "]", "!", "?")) and "\n" not in t:
        q *= 0.7  # a heading or table cell rather than a sentence
    if t.rstrip().endswith("?"):
        q *= 0.3  # a question (MedQuAD titles, headings) answers nothing
    return q


#: Relevance multiplier of a sentence naming the focus inside a document about
#: another condition, when other documents of its kind ARE about the focus.
OFF_TOPIC = 0.35
#: ... and when no document of its kind is about the focus (it may be all there is).
PASSING = 0.55


def _on_topic_kinds(cands: Sequence[Candidate], doc_about: dict[str, float]) -> set[str]:
    return {c.source_kind for c in cands if doc_about.get(c.doc_id, 0.0) > 0}


def score_candidates(
    cands: list[Candidate],
    terms: FocusTerms,
    facets: Sequence[Facet],
    doc_about: dict[str, float],
    *,
    is_definition_q: bool,
    off_context: frozenset[str] = frozenset(),
    strict_context: bool = False,
    doc_has_focus: Callable[[str], bool] | None = None,
) -> list[Candidate]:
    """Score, classify and filter ``cands`` in place; returns the survivors.

    Parameters
    ----------
    doc_about
        Per document, how squarely it is about the focus from its title and
        condition metadata (1 focus/synonym, 0.6 related, 0 neither).
    off_context
        Documents that never mention the question's soft context ("lower
        extremities" ~ leg, limb): "chronic cerebrospinal venous
        insufficiency" papers are not about venous insufficiency of the legs.
    strict_context
        Drop (rather than down-weight) off-context documents; set when the
        context is anatomical and its variants are known.
    doc_has_focus
        Whether a document holds every non-generic word of the focus: a
        sentence matching only the focus's head terms needs it, so "guitar"
        alone never answers "how do I tune a guitar".

    Notes
    -----
    A guideline or patient page about another condition (a sickle-cell
    guideline that lists venous insufficiency among causes of leg ulcers)
    only counts when the sentence itself names the focus, is scored at
    :data:`OFF_TOPIC` of an on-topic sentence, and is flagged ``off_topic``
    so it never reaches a lead or Key Points. Patient pages (MedQuAD) are
    classified by their question type ("causes", "treatment"), which their
    authors assigned, before cue words.
    """
    if not cands:
        return []
    top = max(c.passage_score for c in cands) or 1.0
    wanted = set(facets)
    if is_definition_q:
        # A good "what is" article also covers causes, diagnosis and treatment.
        wanted |= {"definition", "causes", "diagnosis", "treatment"}
    on_topic = _on_topic_kinds(cands, doc_about) if not terms.long_focus else set()
    out: list[Candidate] = []
    for c in cands:
        q = quality(c)
        if q == 0.0:
            continue
        seq = tokenize(c.text)
        toks = set(seq)
        hseq = tokenize(c.heading or "")
        c.tokens = toks
        if terms.qualifiers and coverage(terms.qualifiers, toks | set(hseq)) < 1.0:
            continue  # a follow-up's qualifier ("pregnancy") must be in the evidence
        about = doc_about.get(c.doc_id, 0.0)
        if terms.long_focus:
            # Research-style question: share of its content words in the sentence.
            fcov = terms.weighted_coverage(toks | set(hseq))
            # Guidelines and patient pages are not written about one study
            # question: they need most of its (idf-weighted) words, not two.
            rel = fcov if fcov >= (0.4 if c.source_kind == "research" else 0.45) else 0.0
            c.match = "focus" if rel else ""
            if not rel:
                continue
        elif terms.hit(seq) and (
            doc_has_focus is None or matches(seq, terms.focus[:1]) or doc_has_focus(c.doc_id)
        ):
            # A sentence naming only the head terms ("COUGER") counts when its
            # document names every specific word of the focus somewhere.
            rel, c.match = 1.0, "focus"
        elif matches(seq, terms.related):
            rel, c.match = 0.6, "related"
        elif terms.hit(hseq) or about >= 1.0:
            # In a page about the focus, "they" and "these veins" are about it too.
            rel, c.match = 0.7, "document"
        elif about > 0 or matches(hseq, terms.related):
            rel, c.match = 0.5, "related-document"
        else:
            continue
        if c.match in ("related", "document", "related-document") and toks & terms.focus_tokens:
            rel += 0.15  # e.g. "reflux" in a venous-ulcer recommendation
        if about <= 0:
            if c.source_kind in on_topic and c.source_kind != "research":
                # A passing mention in a document about something else needs
                # the sentence itself to be about the focus (its subject, in
                # its first words), and stays minor.
                if c.match != "focus" or not terms.hit(seq[:6]):
                    continue
                rel *= OFF_TOPIC
                c.off_topic = True
            else:
                rel *= PASSING
        elif about > 0 and about < 1.0:
            rel *= 0.9
        if c.doc_id in off_context:
            if strict_context:
                continue
            rel *= 0.6
        if c.source_kind == "research":
            if c.match not in ("focus", "related"):
                continue  # a study sentence must itself name the focus or a related condition
            rel *= _LABEL_WEIGHT.get((c.label or c.heading or "").upper(), 1.0)
        sec_facet = section_facet(c.heading, c.label)
        if c.source_kind == "patient-info" and c.label and sec_facet not in ("other", "definition"):
            # MedQuAD's question type ("causes", "treatment") was assigned by
            # the page's authors; an "information" answer mixes every facet.
            c.facet = sec_facet
        else:
            c.facet = classify(c.text, c.heading, c.label)
        c.defines = defines(c.text, terms)
        first = c.sec_start >= 0 and c.start <= c.sec_start + 2
        if c.defines:
            c.facet = "definition"
        elif c.source_kind == "patient-info" and first and sec_facet == "definition" and about > 0:
            # The opening sentence of a page's "What is X?" answer is its definition.
            c.facet = "definition"
        elif c.facet == "definition":
            # "Hemorrhoids are a type of varicose vein" defines something else.
            c.facet = "other"
        fscore = 0.0
        if c.facet in wanted:
            fscore = 0.3
            if c.facet == "definition" and is_definition_q:
                fscore += 0.3 if c.defines != "related" else 0.25
                if c.defines == "focus":
                    fscore += 0.2
        elif facets and c.facet != "other":
            fscore = 0.05
        bonus = 0.1 if c.field == "recommendation" else 0.0
        if c.grade or c.level:
            bonus += 0.05
        if c.source_kind == "patient-info" and sec_facet in wanted:
            bonus += 0.15  # the page's answer to the very question type asked
        if first and about > 0:
            bonus += 0.05  # a section's opening sentence states its topic
        # Multiplicative: facet fit and BM25 rank order sentences of equal
        # relevance but never lift an off-focus sentence over an on-focus one.
        c.score = q * rel * (1.0 + fscore + bonus + 0.3 * c.passage_score / top)
        out.append(c)
    return out


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def mmr(
    cands: Sequence[Candidate], k: int, *, lam: float = 0.7, per_doc: int = 4, facet_penalty: float = 0.08,
    max_sim: float = 0.45,
) -> list[Candidate]:
    """Maximal marginal relevance (Carbonell & Goldstein 1998) over candidates.

    Each step picks ``argmax lam * score - (1 - lam) * max_sim_to_selected
    - facet_penalty * times_facet_already_chosen``; near-duplicates (Jaccard
    above ``max_sim``) and more than ``per_doc`` sentences of one document
    are never chosen.
    """
    pool = sorted(cands, key=lambda c: -c.score)[: max(60, 4 * k)]
    chosen: list[Candidate] = []
    per: Counter[str] = Counter()
    fac: Counter[str] = Counter()
    while pool and len(chosen) < k:
        best_i, best_v = -1, float("-inf")
        for i, c in enumerate(pool):
            if per[c.doc_id] >= per_doc:
                continue
            sim = max((jaccard(c.tokens, s.tokens) for s in chosen), default=0.0)
            if sim > max_sim:
                continue
            v = lam * c.score - (1 - lam) * sim - facet_penalty * fac[c.facet]
            if v > best_v:
                best_i, best_v = i, v
        if best_i < 0:
            break
        c = pool.pop(best_i)
        chosen.append(c)
        per[c.doc_id] += 1
        fac[c.facet] += 1
    return chosen
