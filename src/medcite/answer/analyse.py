"""Question analysis: focus, synonyms, facets, qualifiers.

The focus is what the question is *about* (a condition, drug, test or
procedure); it is found by stripping question scaffolding ("what is the
meaning of", "how is ... treated") rather than by a tagger, because the
corpus has no NER model and the scaffolding of clinical questions is a small,
closed set. Synonyms come from the question itself (a parenthetical
alternate: "venous insufficiency (venous reflux)"), from the metadata of the
documents that best match the focus (MedQuAD focus/synonyms, NGC
disease/condition fields, MeSH terms) and from a small curated table of lay
and clinical names (see :data:`CURATED`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from medcite.index.tokenize import tokenize
from medcite.model import Audience, Facet, Query

#: Cue patterns for the facets a question asks about (matched on lower case).
QUESTION_FACETS: dict[Facet, re.Pattern[str]] = {
    "definition": re.compile(r"\bmean(s|ing)?\b|\bdefin\w*|^(what'?s|what is|what are) (a |an )?[\w-]+\W*$"),
    "causes": re.compile(
        r"\b(cause[sd]?|why|risk factors?|etiolog\w*|aetiolog\w*|pathophysiolog\w*|mechanism|mode of action)"
    ),
    "symptoms": re.compile(r"\b(symptoms?|signs?|present(s|ation)?|feel|complications?)\b"),
    "diagnosis": re.compile(r"\b(diagnos\w*|test(s|ing|ed)?|screen\w*|detect\w*|imaging|ultrasound|assess\w*)\b"),
    "treatment": re.compile(
        r"\b(treat\w*|therap\w*|manag\w*|cure[sd]?|surgery|operation|medication|drugs?|options?|relie\w+|"
        r"effective|efficacy)\b"
    ),
    "prognosis": re.compile(r"\b(prognos\w*|outlook|survival|life expectancy|mortality|outcomes?)\b"),
    "prevention": re.compile(r"\b(prevent\w*|avoid\w*|reduce the risk|prophyla\w*)\b"),
    "dosing": re.compile(r"\b(dos(e|es|age|ing)|how much|how often|mg)\b"),
}

#: Leading scaffolding, longest first; what remains is the focus (+ context).
_SCAFFOLD = [
    r"what is the meaning of", r"what is meant by", r"what does it mean to have", r"what is the definition of",
    r"what are the (?:signs and )?symptoms of", r"what are the signs of", r"what are the causes of",
    r"what (?:are|is) the (?:first-line |initial |recommended |best )?treatments? (?:options )?for", r"what is the treatment (?:of|for)", r"what are the risk factors for",
    r"what is the (?:prognosis|outlook) (?:of|for)", r"how (?:can|do) (?:i|you|we) (?:prevent|avoid)",
    r"how (?:can|do|should) (?:i|you|we|doctors|clinicians)? ?(?:treat|manage|diagnose)",
    r"how is", r"how are", r"what causes", r"what is", r"what are", r"what does", r"what do",
    r"how (?:do|can|should) (?:i|you|we)", r"how (?:can|do|does|should|might)", r"how to", r"who gets", r"who is at risk (?:of|for)", r"tell me about", r"explain", r"define", r"can you explain",
    r"is there a (?:cure|treatment) for", r"how to (?:treat|manage|diagnose|prevent)", r"information (?:on|about)",
    r"do", r"does", r"is", r"are", r"can", r"should",
]
_SCAFFOLD_RE = re.compile(r"^(?:" + "|".join(_SCAFFOLD) + r")\b\s*", re.I)
#: Research-question scaffolding ("the mode of action of", "the role of"):
#: the aspect asked about an entity, not the entity. Each becomes an aspect
#: (its words boost retrieval) and is stripped from the focus, because the
#: focus must be matched in the evidence and no abstract says "the main
#: results of PRKAR1A knockdown" (BioASQ summary questions).
_ASPECT = [
    r"(?:the )?main (?:results?|findings?|outcomes?) of", r"(?:the )?(?:mode|mechanism)s? of action of",
    r"(?:the )?(?:molecular |biological |prognostic |clinical |physiological |main |possible )?"
    r"(?:role|roles|features|characteristics|results?|findings?|scope|function|functions|mechanism|mechanisms|principle|principles|effect|effects|impact|"
    r"aim|aims|purpose|value|significance|relevance|utility|use|usefulness|importance|implications?|"
    r"side effects?|adverse effects?|indications?|targets?|outcomes?|benefits?|risks?) of",
    r"(?:the )?(?:association|associations|relationship|relation|link|interaction|difference|correlation)s? "
    r"(?:of|between)",
    r"(?:what is )?known about", r"there (?:a|an|any)", r"(?:what|which) (?:kind|type|types|sort) of",
]
_ASPECT_RE = re.compile(r"^(?:" + "|".join(_ASPECT) + r")\b\s*", re.I)
#: Whole-question shapes whose entity sits in the middle or at the end.
_KNOWN_AS_RE = re.compile(r"^(?:which|what)\b.*?\b(?:is|are) (?:known|referred to|described) as\s+(?P<f>.+)$", re.I)
_USED_FOR_RE = re.compile(r"^for what (?:is|are)\s+(?P<f>.+?)\s+used\b.*$", re.I)
#: Factoid/list question openers not in the scaffolding ("which gene", "list").
_WH_RE = re.compile(r"^(?:which|what|list|name|have|has)\b\s*", re.I)
#: Mid-question scaffolding ("... would you use in order to ...").
_MID_RE = re.compile(r"\s+(?:would|could|should|can|do) (?:you|we|one|i) use(?: in order)?(?: to)?\s+", re.I)
#: Trailing scaffolding ("... treated?", "... mean?").
_TRAIL_RE = re.compile(
    r"\s+(?:(?:be|is|are|get|gets)\s+)?(?:mean|treated|managed|diagnosed|prevented|caused|defined|cured|tested|"
    r"detected|avoided)\s*$",
    re.I
)
_DEFINITION_RE = re.compile(
    r"^\s*(what\s+(is|are)\s+(\(are\)\s+)?(the\s+meaning\s+of|meant\s+by|the\s+definition\s+of|a\s+|an\s+)?"
    r"|what\s+does\s+.+\s+mean|define|explain|tell\s+me\s+about|what'?s\s)",
    re.I,
)
_ARTICLE_RE = re.compile(r"^(?:the|a|an|my|your|having)\s+", re.I)
#: Follow-ups that only add a context ("what about in pregnancy?", "and for children?").
_FOLLOW_UP_RE = re.compile(
    r"^\s*(?:and\s+|but\s+)?(?:what|how)\s+about\s+(?:in\s+|for\s+|during\s+|with\s+)?(?P<q>.+?)\??\s*$"
    r"|^\s*(?:and|but)\s+(?:in|for|during|with)\s+(?P<q2>.+?)\??\s*$"
    r"|^\s*(?:in|for|during)\s+(?P<q3>.+?)\??\s*$",
    re.I,
)
#: Trailing context phrases: population words become required qualifiers,
#: anything else (anatomy: "in the lower extremities") stays soft context.
_CONTEXT_RE = re.compile(r"\s+(?:in|during|among|for|of)\s+(?:the\s+)?(?P<ctx>[^()]+)$", re.I)
POPULATIONS = re.compile(
    r"\b(pregnan\w*|breast-?feeding|lactation|children|child|infants?|neonates?|newborns?|adolescents?|"
    r"elderly|older adults?|older people|women|men|athletes?|diabetics?|renal impairment|kidney disease)\b",
    re.I,
)

#: A small curated table of names the corpus metadata does not link: lay vs
#: clinical names and the venous-disease spectrum. Kept deliberately short;
#: corpus metadata (MeSH, MedQuAD synonyms, NGC conditions) does the rest.
#: "synonyms" are the same entity; "related" are neighbouring conditions whose
#: guidelines and pages also answer questions about the focus.
CURATED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # Reflux *is* backward (retrograde) flow through incompetent valves; patient
    # pages describe it in those words without naming it.
    "venous insufficiency": (
        ("venous reflux", "chronic venous insufficiency", "venous incompetence", "chronic venous disease",
         "flow backward", "flows backward", "backward flow", "retrograde flow"),
        ("varicose veins", "venous leg ulcer"),
    ),
    "venous reflux": (("venous insufficiency", "chronic venous insufficiency", "venous incompetence",
                       "flow backward", "flows backward", "backward flow", "retrograde flow"),
                      ("varicose veins", "venous leg ulcer")),
    "heart attack": (("myocardial infarction",), ("acute coronary syndrome",)),
    "high blood pressure": (("hypertension",), ()),
    "stroke": (("cerebrovascular accident",), ("transient ischemic attack",)),
    "blood clot": (("thrombosis", "venous thromboembolism"), ("deep vein thrombosis", "pulmonary embolism")),
    "dvt": (("deep vein thrombosis", "deep venous thrombosis"), ("venous thromboembolism",)),
    "heartburn": (("gastroesophageal reflux", "gerd"), ()),
    "gerd": (("gastroesophageal reflux disease", "gastroesophageal reflux"), ()),
    "copd": (("chronic obstructive pulmonary disease",), ()),
    "high cholesterol": (("hypercholesterolemia", "dyslipidemia"), ()),
    "diabetes": (("diabetes mellitus",), ()),
    "kidney failure": (("renal failure", "chronic kidney disease"), ()),
    "bed sores": (("pressure ulcers", "pressure injury"), ()),
}


#: Anatomical context phrases and the words sources use for them, so "in the
#: lower extremities" also accepts "legs" and "lower limb".
CONTEXT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "lower extremities": ("leg", "legs", "lower limb", "lower extremity", "calf", "ankle", "saphenous", "femoral"),
    "lower extremity": ("leg", "legs", "lower limb", "calf", "ankle", "saphenous", "femoral"),
    "legs": ("leg", "lower limb", "lower extremity"),
    "upper extremities": ("arm", "arms", "upper limb"),
}


def context_variants(context: str) -> list[str]:
    """The context phrase and the words sources use for it."""
    return [context, *CONTEXT_SYNONYMS.get(context.lower(), ())]


@dataclass(slots=True)
class Analysis:
    """A :class:`~medcite.model.Query` plus what retrieval and selection need."""

    query: Query
    #: Neighbouring conditions (not synonyms): evidence about them is kept
    #: but scored lower and flagged as related.
    related: list[str] = field(default_factory=list)
    #: Soft context from the question ("lower extremities"): helps ranking,
    #: never required.
    context: list[str] = field(default_factory=list)
    #: Research aspects stripped from the focus ("mode of action of"):
    #: boost retrieval, never required.
    aspects: list[str] = field(default_factory=list)


def facets_of(question: str) -> list[Facet]:
    """Facets asked by ``question``, in canonical order (may be empty)."""
    q = question.lower()
    return [f for f, rx in QUESTION_FACETS.items() if rx.search(q)]


def split_focus(question: str) -> tuple[str, list[str], list[str], list[str]]:
    """Strip scaffolding: ``(focus, parenthetical synonyms, qualifiers, context)``.

    Examples
    --------
    >>> split_focus("What is the meaning of venous insufficiency (venous reflux) in the lower extremities?")
    ('venous insufficiency', ['venous reflux'], [], ['lower extremities'])
    >>> split_focus("How is asthma treated in pregnancy?")
    ('asthma', [], ['pregnancy'], [])
    >>> split_focus("What is the mode of action of everolimus?")[0]
    'everolimus'
    """
    return split_question(question)[:4]


def split_question(question: str) -> tuple[str, list[str], list[str], list[str], list[str]]:
    """:func:`split_focus` plus the research aspects stripped from the focus.

    Examples
    --------
    >>> split_question("What are the main results of PRKAR1A Knockdown?")
    ('prkar1a knockdown', [], [], [], ['the main results of'])
    >>> split_question("Which pathological condition of the heart is known as hypertrophic cardiomyopathy (HCM)?")[0]
    'hypertrophic cardiomyopathy'
    >>> split_question("Is there a genetic component for happiness?")[0]
    'genetic component for happiness'
    """
    q = " ".join(question.strip().split()).rstrip("?.! ").strip()
    alts = [a.strip() for a in re.findall(r"\(([^()]{2,60})\)", q)]
    q = re.sub(r"\s*\([^()]*\)", "", q)
    aspects: list[str] = []
    m = _KNOWN_AS_RE.match(q) or _USED_FOR_RE.match(q)
    if m:
        aspects.append(q[: m.start("f")].strip().lower())
        q = m.group("f").strip()
    wh = _WH_RE.match(q)
    if wh and not _SCAFFOLD_RE.match(q) and tokenize(q[wh.end():]):
        # "Which enzyme is inhibited by ribociclib?", "List features of ...":
        # a research (factoid/list) question; its words stay in the focus.
        aspects.append(wh.group(0).strip().lower())
        q = q[wh.end():].strip()
    if _MID_RE.search(q):
        aspects.append("use")
        q = _MID_RE.sub(" ", q)
    prev = None
    qualifiers: list[str] = []
    context: list[str] = []
    while prev != q:
        prev = q
        q = _SCAFFOLD_RE.sub("", q).strip()
        am = _ASPECT_RE.match(q)
        if am and tokenize(q[am.end():]):
            aspects.append(am.group(0).strip().lower())
            q = q[am.end():].strip()
        q = _TRAIL_RE.sub("", q).strip()
        q = _ARTICLE_RE.sub("", q).strip()
        # Peel a trailing context phrase ("... in the lower extremities"):
        # populations are required qualifiers, short anatomy/setting phrases
        # soft context; long phrases are part of a research-style focus.
        m = _CONTEXT_RE.search(q)
        if m and tokenize(q[: m.start()]):
            ctx = m.group("ctx").strip().lower()
            if POPULATIONS.search(ctx) and len(ctx.split()) <= 4:
                qualifiers.append(ctx)
                q = q[: m.start()].strip()
            elif not aspects and not m.group(0).strip().lower().startswith(("of", "for")) and len(ctx.split()) <= 3:
                # (After a research aspect, "the role of RhoA in bladder cancer",
                # the trailing phrase is part of what is asked, not a setting.)
                context.append(ctx)
                q = q[: m.start()].strip()
    alts = [a for a in alts if tokenize(a)]
    q = q.replace('"', "").strip(" '")
    return q.lower(), [a.lower() for a in alts], qualifiers, context, aspects


def follow_up_qualifier(question: str) -> str | None:
    """The context of a bare follow-up ("what about in pregnancy?" -> "pregnancy"), else None."""
    m = _FOLLOW_UP_RE.match(question)
    if not m:
        return None
    q = (m.group("q") or m.group("q2") or m.group("q3") or "").strip().lower()
    q = _ARTICLE_RE.sub("", q)
    return q or None


def curated(term: str) -> tuple[list[str], list[str]]:
    """Curated ``(synonyms, related)`` for ``term`` (exact, case-insensitive)."""
    syn, rel = CURATED.get(term.lower().strip(), ((), ()))
    return list(syn), list(rel)


def analyse_question(question: str, *, audience: Audience = "clinician", prior: Query | None = None) -> Analysis:
    """Analyse ``question`` without the corpus (pure).

    Parameters
    ----------
    question
        The question as typed.
    audience
        Carried into the Query.
    prior
        The previous question's Query in the same thread: a bare follow-up
        ("what about in pregnancy?") inherits its focus and synonyms and
        adds the follow-up's context as a required qualifier.
    """
    facets = facets_of(question)
    follow = follow_up_qualifier(question) if prior is not None else None
    if prior is not None and follow is not None:
        _syn, rel_c = curated(prior.focus)
        quals = list(dict.fromkeys([*prior.qualifiers, follow]))
        q = Query(
            question=question, focus=prior.focus, synonyms=list(prior.synonyms),
            facets=facets or [f for f in prior.facets if f != "definition"] or ["treatment"],
            audience=audience, qualifiers=quals, is_definition=False,
        )
        return Analysis(query=q, related=rel_c)
    focus, alts, qualifiers, context, aspects = split_question(question)
    synonyms = list(alts)
    related: list[str] = []
    for term in [focus, *alts]:
        s, r = curated(term)
        synonyms += s
        related += r
    is_def = bool(_DEFINITION_RE.match(question)) and not any(
        f in facets for f in ("causes", "treatment", "diagnosis", "prevention", "prognosis", "dosing", "symptoms")
    )
    if is_def and "definition" not in facets:
        facets = ["definition", *facets]
    synonyms = [s for s in dict.fromkeys(synonyms) if s != focus]
    related = [r for r in dict.fromkeys(related) if r != focus and r not in synonyms]
    q = Query(
        question=question, focus=focus, synonyms=synonyms, facets=facets, audience=audience,
        qualifiers=qualifiers, is_definition=is_def,
    )
    return Analysis(query=q, related=related, context=context, aspects=aspects)


def _content_tokens(text: str) -> set[str]:
    return set(tokenize(text))


def corpus_synonyms(
    focus_terms: Sequence[str], metadata_terms: Iterable[tuple[str, list[str]]]
) -> tuple[list[str], list[str]]:
    """Pick synonyms and related names from document metadata (pure).

    Parameters
    ----------
    focus_terms
        The focus and its known synonyms.
    metadata_terms
        ``(kind, terms)`` pairs from the best-matching documents: kind
        ``"synonyms"`` (MedQuAD "also called", the doc's focus matches ours),
        ``"condition"`` (NGC disease/condition, MedQuAD focus) or ``"mesh"``.

    Returns
    -------
    (synonyms, related)
        A metadata term containing every content token of a focus term is a
        synonym or a more specific name ("chronic venous insufficiency" for
        "venous insufficiency"); a condition sharing a token is related.
    """
    focus_sets = [_content_tokens(t) for t in focus_terms if _content_tokens(t)]
    syn: list[str] = []
    rel: list[str] = []
    for kind, terms in metadata_terms:
        for raw in terms:
            term = " ".join(raw.split()).strip(" .;,").lower()
            if not term or len(term) > 60 or term in focus_terms:
                continue
            toks = _content_tokens(term)
            if not toks:
                continue
            if kind == "synonyms" or any(fs <= toks for fs in focus_sets):
                if len(toks) <= 5:
                    syn.append(term)
            elif (
                kind == "condition" and any(fs & toks for fs in focus_sets) and len(toks) <= 4
                and not re.search(r"\b(any|other|condition|conditions|requiring|patients?)\b", term)
            ):
                rel.append(term)
    return list(dict.fromkeys(syn))[:8], list(dict.fromkeys(rel))[:8]
