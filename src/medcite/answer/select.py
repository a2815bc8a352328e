"""Stage 4, select: ranked candidates -> :class:`Evidence`, the immutable input of every synthesizer.

Per sub-question: covered when its best sentence's probability reaches the
calibrated ``answer_threshold``; its *lead* is the best sentence of the
audience's preferred source kind (guideline for clinicians, patient
information for patients) that is nearly as good as the best of any kind,
so guidance leads and research follows; its *key point* the next best short
sentence. The rest is filled round-robin over sub-questions, without near
duplicates (Carbonell & Goldstein 1998, MMR, with token Jaccard as the
redundancy measure), a few sentences per document, until the audience's
word budget is spent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from medcite.answer.ports import DocMeta
from medcite.answer.rank import Scored
from medcite.answer.semantic import Domain
from medcite.answer.understand import Understanding, names_person, names_population
from medcite.index.tokenize import tokenize
from medcite.model import EDITORIAL_NOTE, SCOPE, Audience, SourceKind
from medcite.settings import AskSettings

#: Source kinds in the order each audience reads them.
KIND_ORDER: dict[str, tuple[SourceKind, ...]] = {
    "clinician": ("guideline", "research", "patient-info"),
    "patient": ("patient-info", "guideline", "research"),
}
#: A preferred-kind sentence leads if it reaches this share of the best sentence's probability.
PREFERRED_SHARE = 0.6
#: Two sentences sharing more than this share of their tokens say the same thing.
MAX_JACCARD = 0.5
#: Sentences per document per source kind (4 lowered realistic dev key-fact recall 0.727 -> 0.721; docs/decisions.md).
PER_DOC = 3
#: Best-ranked sentences whose coverage decides whether a sub-question is answered.
SUPPORT_TOP = 10
#: Longest sentence (words) that may lead or be a key point.
LEAD_MAX_WORDS = 70
KEY_POINT_MAX_WORDS = 40


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """A selected source sentence: ``text == document_text[start:end]``."""

    doc_id: str
    source_kind: SourceKind
    text: str
    start: int
    end: int
    p: float
    sub: int
    role: str  # "lead" | "key-point" | "support"
    heading: str = ""
    grade: str | None = None
    level: str | None = None


@dataclass(frozen=True, slots=True)
class SubAnswer:
    """One sub-question and whether the corpus answers it."""

    index: int
    text: str
    intents: tuple[str, ...]
    covered: bool
    best_p: float
    #: How much of the sub-question the best-supported candidate covers (see :func:`support`).
    support: float = 0.0
    best_text: str = ""
    best_doc: str = ""
    #: Words of the sub-question that no statement shown for it mentions (see :mod:`.gaps`).
    unmentioned: tuple[str, ...] = ()
    #: The piece states rather than asks (:attr:`.understand.SubQuestion.states`).
    states: bool = False
    #: The piece names a word the corpus has never seen, even spelled otherwise (``unknown`` feature).
    unknown: bool = False


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything a synthesizer may use; nothing else is looked up."""

    question: str
    audience: Audience
    subject: str
    sub_answers: tuple[SubAnswer, ...]
    items: tuple[EvidenceItem, ...]
    docs: Mapping[str, DocMeta]
    answerable: bool
    threshold: float
    notes: tuple[str, ...] = ()
    topic: tuple[str, ...] = field(default=())
    #: Semantic similarity of the question to its best candidates (None: not measured).
    relevance: float | None = None
    #: What the question reads as being about among general topics (None: not measured).
    domain: Domain | None = None
    #: Words read as another word the corpus uses (typed, read as): a misspelling, or a name the
    #: corpus lacks read as its neighbour, which the reader must be able to see.
    readings: tuple[tuple[str, str], ...] = ()

    def by_kind(self, kind: SourceKind) -> list[EvidenceItem]:
        return [i for i in self.items if i.source_kind == kind]


def support(ranked: Sequence[Scored], top: int = SUPPORT_TOP) -> float:
    """The answerability of a sub-question: the best idf-weighted coverage of its own concepts
    (with their corpus expansions) by one of its ``top`` best-ranked sentences and that sentence's
    section heading and document title.

    An absolute measure, unlike the ranker's probability (whose BM25 feature is
    relative to the question's best passage): a question about an invented drug
    or a topic the corpus lacks leaves its rarest concept uncovered whatever
    ranks first. Its threshold is calibrated on in-scope vs out-of-scope
    questions (docs/benchmarks.md).
    """
    if ranked and ranked[0].features.get("unknown", 0.0) > 0:
        # A word of the sub-question that the corpus has never seen (not even
        # spelled otherwise): whatever ranks first is about something else.
        return 0.0
    # The first stage's order (probability): a second stage (answer.rerank) re-orders by meaning,
    # and answerability stays the word evidence the threshold was calibrated on.
    best = sorted(ranked, key=lambda s: -s.p)[:top]
    return max((s.features.get("cov_need", s.features["cov_own"]) for s in best), default=0.0)


#: Section labels whose sentences are never shown as a document's evidence (see medcite.model).
_NOT_EVIDENCE = frozenset({EDITORIAL_NOTE, SCOPE})


def _note(text: str) -> bool:
    """A sentence wholly in parentheses: a note on the text ("(Adapted from ...)"), not a statement."""
    t = text.strip().rstrip(".")
    return t.startswith("(") and t.endswith(")") and t.count("(") == 1


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _words(text: str) -> int:
    return len(text.split())


def _declined(
    u: Understanding, subs: Sequence[SubAnswer], settings: AskSettings, relevance: float | None,
    domain: Domain | None,
) -> str | None:
    """Why nothing is answered although words are covered (None: no such reason), strongest first."""
    if u.unknown:
        # The case names something no source mentions: whatever ranks first answers
        # around it (unseen.unknown_names).
        return (f"No source in this corpus mentions {', '.join(repr(w) for w in u.unknown)}, "
                "which the question names; it is not answered around it.")
    if not any(s.covered for s in subs):
        return None
    if relevance is not None and relevance < settings.semantic_min:
        # The words match, the meaning does not (a non-medical question against an acronym's passages).
        return (f"The closest sentences in the corpus are about something else (semantic similarity "
                f"{relevance:.2f}, below {settings.semantic_min:.2f}).")
    best_support = max(sa.support for sa in subs)
    if domain is None or best_support >= settings.off_topic_support or names_person(u.question):
        # A health question whose words are all covered is answered however it reads; so is one that
        # names a person affected ("can my kennel's vexo give me a rash?" reads as pets: the asker is
        # the patient).
        return None
    # Below: some words match, and the question is about something else.
    partly = (f"the corpus matches only part of its words (best support {best_support:.2f}, below "
              f"{settings.off_topic_support:.2f}).")
    if domain.margin > settings.off_topic_margin:
        # "a normal heart rate" asked of a hamster, "blue" and "light" of a sunset.
        return (f"The question reads as one about {domain.label.lower()} rather than health (topic margin "
                f"{domain.margin:.2f}, above {settings.off_topic_margin:.2f}), and {partly}")
    if domain.animal:
        # The patient is an animal the asker owns ("my hamster is wheezing"): the sentences that match
        # in part are about people. Covered whole ("our hamster has vexitis, is it catching?"), the
        # question may well be about the people around it and is answered.
        return f"The question is about an animal (“{domain.animal}”) rather than a person, and {partly}"
    if domain.familiar is not None and domain.familiar < settings.familiar_min:
        # Unlike every known health question ("how long should a loaf cool?"), and the words that
        # match are used in another sense ("cool" of a fever page).
        return (f"The question is unlike the health questions medcite knows (similarity {domain.familiar:.2f} "
                f"to the nearest, below {settings.familiar_min:.2f}), and {partly}")
    if (domain.familiar is not None and domain.everyday is not None
            and domain.everyday - domain.familiar > settings.everyday_margin):
        # Nearer to everyday questions than to any health question ("how do I get hay out of a wool
        # blanket?"), and the words that match are used in another sense ("hay fever").
        return (f"The question is nearer to everyday questions than to the health questions medcite knows "
                f"(similarity {domain.everyday:.2f} against {domain.familiar:.2f}), and {partly}")
    return None


def select(
    u: Understanding, scored: Sequence[Scored], docs: Mapping[str, DocMeta], settings: AskSettings,
    *, relevance: float | None = None, domain: Domain | None = None, passages: int = 0,
) -> Evidence:
    """Choose the evidence for ``u`` from ``scored`` candidates (best first).

    ``relevance`` is the semantic similarity of the question to its best candidates
    (:func:`.semantic.relevance`); below ``settings.semantic_min`` nothing is covered. ``domain``
    is the question's zero-shot topic (:class:`.semantic.Topics`): when it reads as another topic
    than health by more than ``settings.off_topic_margin`` and the words are covered only in part
    (best support below ``settings.off_topic_support``), nothing is covered. ``passages`` is the
    library's size: a word it has never seen says something only in a large one.
    """
    tau = settings.answer_threshold
    budget = settings.patient_words if u.audience == "patient" else settings.clinician_words
    target = min(budget, settings.patient_target_words if u.audience == "patient" else settings.clinician_target_words)
    order = KIND_ORDER[u.audience]
    by_sub: dict[int, list[Scored]] = {}
    for s in scored:
        by_sub.setdefault(s.cand.sub, []).append(s)
    subs: list[SubAnswer] = []
    for i, sq in enumerate(u.sub_questions):
        ranked = by_sub.get(i, [])
        best = max(ranked, key=lambda s: s.p) if ranked else None
        sup = support(ranked)
        subs.append(SubAnswer(
            index=i, text=sq.text, intents=sq.intents, covered=bool(best) and sup >= tau,
            best_p=round(best.p, 4) if best else 0.0, best_text=best.cand.sentence.text if best else "",
            best_doc=best.cand.sentence.doc_id if best else "", support=round(sup, 4), states=sq.states,
            unknown=bool(ranked) and ranked[0].features.get("unknown", 0.0) > 0,
        ))
    notes: tuple[str, ...] = ()
    reason = _declined(u, subs, settings, relevance, domain)
    if reason is not None:
        subs = [replace(sa, covered=False) for sa in subs]
        notes = (reason,)
    # An opening that states ("52M on vexorin, is zorbaxan an option?") is the question's context: when
    # what is asked names something no source mentions, the opening's evidence would answer around it.
    # (A piece that asks about known words and is merely not covered leaves the opening answered.)
    asking = [s for s in subs if not s.states]
    # Only in a large library: in a small one most ordinary words are unseen (unseen.unknown_names).
    around = (passages >= settings.unknown_case_min_passages and any(s.covered for s in subs if s.states)
              and bool(asking) and not any(s.covered for s in asking) and any(s.unknown for s in asking)
              and not notes)
    if around:
        notes = ("The corpus covers what the message states, not what it asks about: "
                 + "; ".join(f"{s.text!r}" for s in asking if s.unknown)
                 + " names something no source in this corpus mentions.",)
    answerable = any(s.covered for s in subs) and not around
    if not answerable:
        return Evidence(u.question, u.audience, u.subject, tuple(subs), (), {}, False, tau, notes=notes,
                        topic=u.topic, relevance=relevance, domain=domain)

    chosen: list[EvidenceItem] = []
    tokens: list[frozenset[str]] = []
    per_doc: dict[tuple[str, str], int] = {}
    used = 0

    def take(s: Scored, role: str) -> bool:
        nonlocal used
        sent = s.cand.sentence
        toks = frozenset(tokenize(sent.text))
        if any(_jaccard(toks, t) > MAX_JACCARD for t in tokens):
            return False
        if per_doc.get((sent.doc_id, sent.source_kind), 0) >= PER_DOC:
            return False
        n = _words(sent.text)
        if chosen and used + n > budget:
            return False
        chosen.append(EvidenceItem(
            doc_id=sent.doc_id, source_kind=sent.source_kind, text=sent.text, start=sent.start, end=sent.end,
            p=round(s.p, 4), sub=s.cand.sub, role=role, heading=sent.heading, grade=sent.grade, level=sent.level,
        ))
        tokens.append(toks)
        per_doc[(sent.doc_id, sent.source_kind)] = per_doc.get((sent.doc_id, sent.source_kind), 0) + 1
        used += n
        return True

    pools: dict[int, list[Scored]] = {}
    for sa in subs:
        if not sa.covered:
            continue
        floor = settings.relative_floor * sa.best_p
        # A sentence whose text, section heading and document title name nothing the sub-question names
        # (it shares only a cue such as "treated") is about something else, however close its probability.
        pools[sa.index] = [s for s in by_sub[sa.index] if s.p >= floor and not s.cand.sentence.text.rstrip().endswith("?")
                           and s.features.get("cov_need", 1.0) > 0.0 and s.cand.sentence.label not in _NOT_EVIDENCE]
    # Leads: one per covered sub-question, the preferred kind first. An opening that states
    # ("my newborn was breech, ...") is led last, and not at all when the lead of the question
    # after it already names what it states: it is that question's context, not a question.
    states = {i for i in pools if u.sub_questions[i].states}
    for i in sorted(pools, key=lambda i: i in states):
        pool = pools[i]
        if i in states and len(pools) > 1 and all(names_population(w) for w in u.sub_questions[i].words):
            # "my wife is pregnant, is X safe?": an opening that names only who the patient is
            # steers the other pieces (the case's population); it is not a question of its own.
            del pools[i]
            continue
        if i in states:
            stated = frozenset(t for w in u.sub_questions[i].words for t in tokenize(w))
            # A lead from a source kind the reader does not come first for (a research abstract that
            # merely mentions a hoarse voice) does not stand in for the opening's own answer.
            if any(c.sub > i and c.role == "lead" and c.source_kind == order[0]
                   and stated & frozenset(tokenize(c.text)) for c in chosen):
                del pools[i]
                continue
        # A lead must answer on its own: its own words cover most of what is asked
        # (a passage's best sentence is not always the one that states the answer).
        # A heading or list label ("Lower extremity edema in the absence of …") states nothing.
        said = [s for s in pool if not s.features.get("fragment", 0.0) and not _note(s.cand.sentence.text)]
        # Page boilerplate (answer.templates) leads only when nothing else can.
        statements = [s for s in said if not s.features.get("templated", 0.0)] or said or pool
        # "Treatment is with hay rest." on the condition's page answers without naming it: a sentence
        # that opens with the kind of answer asked for needs the coverage of its heading and title.
        leadable = ([s for s in statements if _words(s.cand.sentence.text) <= LEAD_MAX_WORDS
                     and max(s.features["cov_sentence"], s.features.get("states_type", 0.0)
                             * s.features["cov_section"]) >= settings.lead_min_coverage]
                    or [s for s in statements if _words(s.cand.sentence.text) <= LEAD_MAX_WORDS] or statements)
        # The sentence that opens with the kind of answer asked for ("what are the symptoms of X?":
        # "Symptoms include ...") leads if one is nearly as good as the best (a selection policy like
        # guideline-first; no training set marks such sentences); for "What is X?", the sentence that
        # says what X is. The first policy the best sentence meets, or that promotes one, decides.
        for policy in ("states_type", "defines"):
            if not leadable or leadable[0].features.get(policy, 0.0):
                break
            first = next((s for s in leadable if s.features.get(policy, 0.0)
                          and s.p >= PREFERRED_SHARE * leadable[0].p), None)
            if first is not None:
                leadable = [first, *(s for s in leadable if s is not first)]
                break
        best_p = leadable[0].p if leadable else 0.0
        for kind in order:
            cand = [s for s in leadable if s.cand.sentence.source_kind == kind and s.p >= PREFERRED_SHARE * best_p]
            if any(take(s, "lead") for s in cand[:5]):
                break
    # Key points: the next best short sentence of each sub-question, from its lead's
    # source kind (Key Points sit in the leading section, which shows one kind only).
    lead_kind = {c.sub: c.source_kind for c in chosen}
    for i, pool in pools.items():
        kinds = [lead_kind[i]] if i in lead_kind else list(order)
        same = [s for s in pool if s.cand.sentence.source_kind in kinds and not s.features.get("fragment", 0.0)
                and not _note(s.cand.sentence.text) and not s.features.get("templated", 0.0)]
        for limit in (KEY_POINT_MAX_WORDS, LEAD_MAX_WORDS):
            if any(_words(s.cand.sentence.text) <= limit and take(s, "key-point") for s in same):
                break
    # Support: round-robin over sub-questions, best first, until the budget is spent.
    queues = {i: list(pool) for i, pool in pools.items()}
    progress = True
    while progress and used < target:
        progress = False
        for q in queues.values():
            while q:
                s = q.pop(0)
                if take(s, "support"):
                    progress = True
                    break
    cited = {c.doc_id for c in chosen}
    return Evidence(
        question=u.question, audience=u.audience, subject=u.subject, sub_answers=tuple(subs), items=tuple(chosen),
        docs={d: docs[d] for d in cited if d in docs}, answerable=True, threshold=tau,
        topic=u.topic, relevance=relevance, domain=domain,
        readings=tuple(dict.fromkeys((e.of, e.surface) for e in u.expansions if e.source == "spelling" and e.surface)),
    )
