"""Stage 1, understand: a question as typed -> :class:`Understanding`.

A message is cut into sentences; declarative ones are the case (a vignette's
age, sex, pregnancy, comorbidities, lab values) and question-like ones are
cut again at coordinated questions ("Should she start the drug, and from
when?") into :class:`SubQuestion` s. Each sub-question gets its question
types (threshold, dose, timing, test, treatment, cause, ...) from general
English question words, and its own content words; words shared by the case
and the subject become the topic every sub-question is retrieved with. A
follow-up that says "it" (or names nothing new) takes the subject of the
previous turn.

Only English function and question words are listed here; medical
vocabulary comes from the corpus (:mod:`.vocabulary`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from medcite.answer.notation import read_notation
from medcite.answer.unseen import shorthand, unknown_names, unseen_years
from medcite.answer.vocabulary import Expansion, Vocabulary
from medcite.index.tokenize import STOPWORDS, UNITS, tokenize
from medcite.model import Audience

#: Question types and the words that ask for them (general English).
INTENT_PATTERNS: dict[str, str] = {
    "threshold": r"\b(thresholds?|cut-?offs?|targets?|levels?|ranges?|goals?|defined|definition of|criteria|ratio|"
                 r"how (?:high|low|big|far|large|many)|at what|sizes?|diameter|counts?|cutoff|values?|positive|massive|severe)\b",
    "dose": r"\b(dose|doses|dosing|dosage|how much|mg|starting dose|initial dose)\b",
    "timing": r"\b(when|how long|how soon|how often|how fast|how quickly|timing|duration|frequency|interval|"
              r"how far ahead|until|how many (?:days|weeks|months|hours)|from when|before|stop)\b",
    "test": r"\b(diagnos\w*|dx|tests?|testing|tested|screen\w*|imaging|scans?|work-?up|biops\w*|confirm|detect\w*|"
            r"ultrasound|mri|ct|x-?ray|cxr|labs?|exam\w*|how do (?:they|you|i) (?:test|check|know))\b",
    "treatment": r"\b(treat\w*|tx|therap\w*|manag\w*|first[- ]line|drugs?|medications?|medicines?|get rid|cure\w*|"
                 r"options?|prophylaxis|start|add|give|use|used|surgery|indicated|"
                 r"what can i do|help|helps|prevent\w*)\b",
    "cause": r"\b(causes?|caused|why|brings? on|risk factors?|inherit\w*|genes?|genetic|passed down|catch|"
             r"how do (?:you|i|people) get|who gets|at risk)\b",
    "symptoms": r"\b(symptoms?|signs?|symtoms|feel|look like)\b",
    "prognosis": r"\b(outlook|prognosis|survival|life expectancy|how common|how rare|how many \w+ (?:get|have|are affected)|"
                 r"incidence|prevalence|recur\w*)\b",
    "definition": r"^\s*(?:what(?:'s| is| are| r)|define|meaning of|is (?:it|that|this) (?:cancer|serious))\b",
    # Whether two things go together ("can I drink X while taking Y", "is it ok to take X with Y").
    "safety": r"\b(safe|safety|side effects?|harm\w*|risks?|interact\w*|contraindicat\w*|"
              r"while (?:taking|on|using)|(?:ok|okay|alright|fine|bad|dangerous|risky) (?:to|for)|together|"
              r"at the same time|mix\w*|combin\w*|(?:take|use|have|give)\b[^?.;]{1,40}?\bwith)\b",
}
_INTENTS = {k: re.compile(v, re.I) for k, v in INTENT_PATTERNS.items()}
#: Question-type words that also qualify a noun ("severe vexitis", "massive vexorrhage").
_QUALIFIERS = frozenset({"severe", "massive"})
_QWORD = (r"(?:what(?:'s)?|how|when|which|who|why|where|should|shall|is|are|can|could|does|do|did|will|would|"
          r"may|any|need|at what|from when|and what|and how)")
_QSTART = re.compile(rf"^\W*{_QWORD}\b", re.I)
_EMBEDDED = re.compile(r"\b(asks?|wonder(?:s|ing)?|want(?:s)? to know|not sure)\s+(?:if|whether|when|what|how|which|about)\b", re.I)
#: A question word that starts a new question after "and" or a comma; an auxiliary before an "-ing"
#: word continues a statement instead ("has a fever and is pulling his ear").
_NEXT_Q = rf"(?!(?:is|are)\s+\w+ing\b){_QWORD}\b"
_SPLIT = re.compile(rf"\s*(?:;|,?\s+and\s+(?={_NEXT_Q})|,\s+(?={_NEXT_Q})|\?\s*)\s*", re.I)
# A sentence ends at ?, ! or . -- but not after an initial ("S. aureus", "E. faecalis").
_SENT = re.compile(r"(?<=[?.!])(?<!\b[A-Z]\.)\s+(?=\S)|\n+")
# Coordinated choices are separate questions: "drug A or drug B, and test C or test D".
_AND = re.compile(r",?\s+and\s+", re.I)
_OR = re.compile(r"\bor\b", re.I)


def _split_choices(piece: str) -> list[str]:
    """Split "A or B, and C or D" into its two choices (each side must offer one).

    >>> _split_choices("add drug A or drug B, and order test C or test D")
    ['add drug A or drug B', 'order test C or test D']
    """
    for m in _AND.finditer(piece):
        left, right = piece[:m.start()], piece[m.end():]
        if _OR.search(left) and _OR.search(right):
            return [left, *_split_choices(right)]
    return [piece]

#: The people a message may name besides the patient: the asker's family (KIN), and with them
#: acquaintances and the care team (PERSONS): who asks, not what is asked.
KIN = frozenset(
    """son daughter kid kids mom mum mother dad father parent parents husband wife partner grandma grandmother
    grandpa grandfather nephew niece grandson granddaughter grandchild grandchildren grandkid grandkids stepson
    stepdaughter spouse boyfriend girlfriend fiance fiancee uncle aunt""".split()
)
PERSONS = KIN | frozenset(
    """roommate coworker neighbor neighbour friend family doctor doc dr drs physician nurse student someone anyone
    guy guys""".split()
)
#: Words about the asking itself ("what does that mean", "I'm worried"): they name no answer.
META = frozenset(
    """meaning mean means explain explanation info information question questions asking asked
    regarding anything something worried worry worrying scared afraid concerned wondering""".split()
)
#: Words that describe the asker or the patient, not the subject. Sex words (men,
#: women, male, female) are kept as content: a recommendation for men is not one
#: for women.
_PEOPLE = set(
    """patient patients pt pts person people year years yr yrs yo old month months week weeks
    day days hour hours morning night tonight tomorrow today yesterday last ago recently just got get gets getting
    go goes going went gone take takes taking
    taken keep keeps want wants need needs needed order ordered ordering know think tell told said says asks ask
    mentioned thing things
    lot really thanks please
    hi hello ok okay alright also still even always usually every whole
    wat whats hows u ur r pls plz thx im ive dont cant wont doesnt isnt hasnt havent didnt wasnt werent arent
    shouldnt couldnt wouldnt youre theyre shes
    happen happens happened happening
    definition define defined""".split()
) | PERSONS | META
#: Words that name nothing: a question word typed one letter off is one of these.
_FUNCTION = frozenset(STOPWORDS | _PEOPLE | {"two", "three", "four", "five"})
_ASKING = re.compile(r"\bhow (?:often|long|soon|much|many|far|fast|quickly|high|low)\b|\bat what\b|\bfrom when\b", re.I)
_MEASURE = re.compile(r"^(?:\d+[a-z]{0,2}|g\d+p\d+|\d+[/-]\d+[a-z]*)$")
#: Imaging tests named by the "test" question type. In a question they ask for a test ("do I need a
#: CXR?"); in an opening that states, they name what was done ("I had an MRI, will it harm the baby?").
_MODALITIES = frozenset({"mri", "ct", "ultrasound", "x-ray", "xray", "cxr"})
#: Pronouns that stand for a thing (a drug, a disease), not for the patient.
_THING = re.compile(r"\b(it|its|it's|they|them|their|this|these|those)\b|"
                    # "one" standing for a thing already named ("if he eats one by accident", "can I take
                    # another one?"), not counting one ("one dose", "one of two tablets").
                    r"\b(?:one|ones)(?=\s*(?:$|[,.;:?!]|(?:by|in|on|at|to|and|or|if|when|again|too|now|"
                    r"anyway|today|yesterday|tonight|a day)\b))", re.I)
#: What a question that names nothing points back with ("what is that?", "is it serious?").
_POINTS_BACK = re.compile(r"\b(it|its|it's|this|that|these|those|they|them)\b", re.I)
_PRONOUN = re.compile(r"\b(it|its|it's|they|them|their|this|that|these|those|he|she|him|her|his)\b", re.I)
_CONTINUATION = re.compile(r"^\W*(and|also|what about|how about|what if|but|so|then|ok so)\b", re.I)
_AGE = re.compile(
    r"\b(\d{1,3})\s*(?:-|\s)?\s*(?:(?:year|yr)s?[- ]?old|yo\b|y/o|y\.o\.|years?\b|(?=[MF]\b))|"
    r"\b(\d{1,2})\s*(?:-|\s)?(?:month|week|day)s?[- ]?old\b", re.I,
)
#: Populations a case can name, with the index words that mark sentences about them.
POPULATIONS: dict[str, tuple[str, str]] = {
    "pregnancy": (r"\b(pregnan\w*|gestation\w*|G\dP\d|trimester|antenatal|prenatal|\d+\s*w(?:ee)?ks\b(?! old))",
                  "pregnancy pregnant gestation"),
    "child": (r"\b(child\w*|kids?|son|daughter|infants?|bab(?:y|ies)|newborns?|neonat\w*|toddler|paediatric|"
              r"pediatric|teen\w*|adolescen\w*|month-old|boy|girl|nephew|niece|grand(?:son|daughter|child\w*|kids?)|"
              r"step(?:son|daughter))\b", "child children pediatric infant"),
    "older adult": (r"\b(elderly|older|geriatric|nursing home|grandma|grandmother|grandpa|grandfather)\b",
                    "older elderly aged"),
    "renal impairment": (r"\b(egfr|renal (?:impairment|failure|insufficiency)|kidney (?:disease|function))\b",
                         "renal kidney impairment"),
    "breastfeeding": (r"\b(breast-?feed\w*|lactat\w*|nursing mother)\b", "breastfeeding lactation"),
}
_POP = {k: re.compile(v[0], re.I) for k, v in POPULATIONS.items()}


def names_population(word: str) -> bool:
    """Whether ``word`` names a population of :data:`POPULATIONS` ("pregnant", "toddler")."""
    return any(rx.fullmatch(word) for rx in _POP.values())


#: The asker as the one affected ("it bit me", "can it give us ...").
_AFFECTED = frozenset({"me", "us", "myself", "ourselves"})
#: The asker as the one who would fall ill ("can I catch X from ...").
_CATCH_FROM = re.compile(r"\b(?:can|could|will|would|might|do|did)\s+(?:i|we)\s+(?:get|catch|contract|pick up)\b[^?.;]*\bfrom\b", re.I)


def names_person(text: str) -> bool:
    """Whether ``text`` names a person as the one affected: the asker as an object ("bit me"), as the one
    who would catch something ("can I get X from ..."), or kin ("my son"). A care team word ("my doctor
    suggested ...") names who advises, not who is ill."""
    return (any(w in KIN or w in _AFFECTED for w in re.findall(r"[a-z]+", text.lower()))
            or _CATCH_FROM.search(text) is not None)


@dataclass(frozen=True, slots=True)
class SubQuestion:
    """One thing the message asks."""

    text: str
    intents: tuple[str, ...]
    #: Content words (lower-case, as typed) of this sub-question alone.
    words: tuple[str, ...]
    #: The opening of a question sentence that states rather than asks ("my newborn was breech,
    #: does she need a hip scan?"): searched like the rest, shown only if nothing else is answered.
    states: bool = False
    #: The stating opening this piece is read with ("kennel vexoma" of "kennel vexoma, which regimen
    #: first?"; see :func:`.pipeline.with_openings`).
    about: str = ""


@dataclass(frozen=True, slots=True)
class Understanding:
    """Everything later stages know about the question."""

    #: The message as typed.
    question: str
    audience: Audience
    sub_questions: tuple[SubQuestion, ...]
    #: The subject the sub-questions share (words asked about in several of them, or a
    #: follow-up's resolved pronoun).
    shared: tuple[str, ...]
    #: Content words of the case (a vignette's declarative sentences).
    case: tuple[str, ...]
    #: Populations named by the case ("pregnancy", "child", ...).
    context: tuple[str, ...]
    #: Corpus expansions of the question's words (abbreviations, synonyms, spelling, variants).
    expansions: tuple[Expansion, ...]
    #: The previous turn's topic, when a follow-up was resolved against it.
    resolved_from: tuple[str, ...] = ()
    age: int | None = None
    #: Words of the case that the corpus has never seen, even spelled otherwise
    #: ("On velmorastat 20 mg daily. Can he add X?"), and years asked about that no passage
    #: mentions: see :func:`.unseen.unknown_names` and :func:`.unseen.unseen_years`.
    unknown: tuple[str, ...] = ()
    #: Words of the question-type phrases of several words ("first line", "side effects"):
    #: see :func:`asking_words`.
    asking: tuple[str, ...] = ()
    #: The message as read: clinical note shorthand written out (:func:`.notation.read_notation`).
    read: str = ""
    #: By sub-question, the index of the stating opening of its sentence ("kennel vexoma, which
    #: regimen first?"), if it has one and is not it.
    opening_of: tuple[int | None, ...] = ()

    @property
    def topic(self) -> tuple[str, ...]:
        """Words every sub-question is retrieved with: the shared subject, then the case."""
        return tuple(dict.fromkeys((*self.shared, *self.case)))

    @property
    def subject(self) -> str:
        """A short display phrase of what the question is about."""
        return " ".join(self.topic[:6]) or " ".join(w for s in self.sub_questions for w in s.words[:4])


def content_words(text: str) -> list[str]:
    """Words that can name a subject: not function, question, people or time words, not bare numbers.

    >>> content_words("How is C. diff treated in my 78 year old mom?")
    ['diff']
    >>> content_words("is factor v deficiency common")
    ['factor', 'v', 'deficiency', 'common']
    """
    out: list[str] = []
    # The words of a question-type phrase ask, they do not name ("how often", "how long").
    text = _ASKING.sub(" ", text)
    prev = ""
    for m in re.finditer(r"[A-Za-z][A-Za-z0-9'/-]*|\d+[A-Za-z]+[A-Za-z0-9]*", text):
        w, before, prev = m.group(), prev, m.group()
        lw = w.lower().strip("'-/")
        if lw.endswith("'s"):
            lw = lw[:-2]
        if len(lw) == 1 and lw not in STOPWORDS and len(before) >= 3 and before.isalpha() \
                and text[m.end():m.end() + 1] != "." and before.lower() not in STOPWORDS | _PEOPLE:
            # A letter that completes the word before it names a thing ("factor V", "type B",
            # "protein S"); one before a full stop is an initial ("Q. vexo": the clipped word carries it).
            out.append(lw)
            continue
        if not lw or len(lw) < 2 or lw in STOPWORDS or lw in _PEOPLE:
            continue
        if _MEASURE.match(lw):
            continue  # an age, sex or lab value ("78f", "18k", "g2p1", "150/95"), not a subject
        if _negated(text, m.start()) and names_population(lw):
            continue  # "not pregnant": a population the case excludes is not what it is about
        if all(x in UNITS for x in re.split(r"[-/]", lw)):
            continue  # a lab value's unit ("mg/dL", "g/dl"), not a subject
        parts = re.split(r"[-/]", lw)
        if len(parts) > 1 and all(x in _PEOPLE or x.isdigit() or x in STOPWORDS for x in parts):
            continue  # "year-old", "34-year-old"
        if any(p.fullmatch(lw) for p in _INTENTS.values()) and not (
                lw in _QUALIFIERS and re.match(r"\s+[A-Za-z]{3,}", text[m.end():])):
            # "severe" asks in "is that severe?" and names in "severe vexitis in pregnancy".
            continue
        out.append(lw)
    return list(dict.fromkeys(out))


def asking_words(text: str) -> tuple[str, ...]:
    """Words of the question-type phrases of several words in ``text``: they say what kind of
    answer is wanted, and an answer need not repeat them (the sentence that puts one drug before
    another rarely writes "first line"). They stay query words (a sentence that does write them
    ranks higher); only whether a sub-question is answered ignores them (:func:`.select.support`).

    >>> asking_words("What is first line for it, and any side effects?")
    ('first', 'line', 'side', 'effects')
    """
    out: list[str] = []
    for rx in (_ASKING, *_INTENTS.values()):
        for m in rx.finditer(text):
            if " " in m.group().strip():
                out += [w.lower() for w in re.findall(r"[A-Za-z]+", m.group())]
    return tuple(dict.fromkeys(w for w in out if w not in STOPWORDS))


def intents_of(text: str) -> tuple[str, ...]:
    found = tuple(k for k, rx in _INTENTS.items() if rx.search(text))
    if not found:
        return ("definition",) if len(content_words(text)) <= 4 else ("treatment",)
    return found


def _is_question(sentence: str) -> bool:
    s = sentence.strip()
    return s.endswith("?") or bool(_QSTART.match(s)) or bool(_EMBEDDED.search(s)) or bool(_TAIL_Q.search(s))


#: A question typed on at the end of a statement with no punctuation between ("she keeps falling
#: what can we do"): a question word and an auxiliary ("what can", "how do", "should i"). Not a
#: bare "when" or "if", which join clauses ("it hurts when i walk").
_TAIL_Q = re.compile(
    r"(?<=[a-z0-9])\s+(?=(?:what|how|which|why|where)\s+(?:can|could|should|do|does|did|is|are|will|would)\s+\w"
    r"|(?:should|can|could|is|are|do|does)\s+(?:i|we|he|she|they|it)\s+\w)", re.I)


def _tail_question(sentence: str) -> str:
    """A statement with a question typed on at its end, cut with a comma before the question
    ("she keeps falling, what can we do"); other sentences as they are."""
    if _QSTART.match(sentence):
        return sentence
    m = _TAIL_Q.search(sentence)
    if not m or re.search(r"\b(?:what|how|which|why|where|when|who)\b|[,;:?-]", sentence[:m.start()], re.I):
        # Already a question ("what imaging should I order"), or punctuated: the other splits apply.
        return sentence
    return f"{sentence[:m.start()]},{sentence[m.start():]}"


def split_message(text: str) -> tuple[list[str], list[str]]:
    """``(case sentences, question pieces)`` of a message.

    >>> split_message("50F, new diagnosis. How often repeat the test? Should she start the drug, and from when?")
    (['50F, new diagnosis.'], ['How often repeat the test', 'Should she start the drug', 'from when'])
    """
    case, pieces = _split(text)
    return case, [p for p, _ in pieces]


def _split(text: str) -> tuple[list[str], list[tuple[str, bool]]]:
    """:func:`split_message`, each piece with whether it continues its sentence (is not its first)."""
    sentences = [_tail_question(s.strip()) for s in _SENT.split(text.strip()) if s and s.strip()]
    asks = [s for s in sentences if _is_question(s)]
    case = [s for s in sentences if s not in asks]
    if not asks:
        # No question form ("first line treatment for uncomplicated UTI"): the
        # last sentence is what is asked, the rest is the case.
        asks, case = sentences[-1:], sentences[:-1]
    # "Severe croup in a toddler, which steroid?" stays two pieces: moving the opening into the
    # case ranked the question better on dev but declined questions whose opening is all the
    # corpus covers (docs/decisions.md, "Session 9").
    pieces = [(p, i > 0) for s in asks for i, p in enumerate(_sentence_pieces(s))]
    return case, pieces or [(text.strip(), False)]


def _sentence_pieces(sentence: str) -> list[str]:
    """The pieces one question sentence asks ("Is X safe, and how often?" -> ["Is X safe", "how often"])."""
    out: list[str] = []
    for p in (x for part in _SPLIT.split(sentence) for x in _split_choices(part)):
        p = p.strip(" ,;?")
        if p and re.search(r"[A-Za-z]", p):
            out.append(p)
    return out


def understand(
    question: str, vocab: Vocabulary, *, audience: Audience = "clinician", prior_topic: Sequence[str] = (),
    prior_intents: Sequence[str] = (),
) -> Understanding:
    """Analyse ``question`` (see the module docstring).

    Parameters
    ----------
    question
        The message as typed.
    vocab
        The corpus vocabulary (expansions, statistics).
    audience
        Who asks.
    prior_topic
        The previous turn's topic words in a conversation thread.
    prior_intents
        The question types the previous turn asked: an elliptical follow-up ("what about for X?") asks them again.
    """
    typed = question
    # Clinical note shorthand ("vexo fx", "hx of", "w/o") is read as the words it stands for: the
    # corpus is written out in full (.notation).
    question = read_notation(question)
    case, split = _split(question)
    pieces = [p for p, _ in split]
    subs: list[SubQuestion] = []
    prev_words: tuple[str, ...] = ()
    everything = content_words(question)

    def named(text: str) -> list[str]:
        # A function word typed wrong ("waht is", "thw dose", "thsi drug") names nothing;
        # kept, it would be a concept no sentence can hold. Nor does the asker's own shorthand that
        # no source uses, typed in lower case and short or without vowels ("with abx", "acute mgmt"):
        # the rest of the question says what it is about. A short form in capitals ("XRT") may be
        # a name the corpus lacks and stays. A clipped word the rest of the question completes
        # ("vexo in lambing season") is neither.
        return [w for w in content_words(text)
                if not ((vocab.mistyped(w, _FUNCTION) or shorthand(w, question, vocab))
                        and not vocab.completion(w, everything)[0])]

    for p, continues in split:
        words = tuple(named(p))
        elliptical = (bool(words) and _CONTINUATION.match(p) is not None
                      and not _QSTART.match(_CONTINUATION.sub("", p, count=1))
                      and not any(rx.search(p) for rx in _INTENTS.values()))
        if elliptical and subs:
            # "How long before surgery for solid food? And for hard sweets?": an elliptical piece names
            # a new subject for the previous piece's question, and asks what it asked.
            words = (*words, *(w for w in prev_words if w not in words))
            subs.append(SubQuestion(text=p, intents=subs[-1].intents, words=words))
            prev_words = words
            continue
        if elliptical and prior_intents:
            # "what about for vexoma?" after "which drug first for kennel cough?": it asks what the previous
            # turn asked (its subject is handled with the thread's topic below).
            subs.append(SubQuestion(text=p, intents=tuple(prior_intents), words=words))
            prev_words = words
            continue
        if words and prev_words and ((len(words) == 1 and continues) or not any(_specific(w, vocab) for w in words)):
            # "..., and how often should MRI be done?": a piece whose own words are all
            # generic ("done", "order", "first") asks about the previous piece's subject; so
            # does a piece of one word that continues its sentence ("Is X safe, and how often is
            # it refilled?"): one word alone rarely names a subject of its own. A new sentence of
            # one word ("When to operate?") starts its own sub-question.
            words = (*words, *(w for w in _subject(subs[-1], prev_words) if w not in words))
        elif words and prev_words and _THING.search(p):
            # "X was prescribed; is it safe with Y?": "it" is the previous piece's subject, so its words are asked about
            # too (a person's pronoun, "he", is the patient of the case and carries nothing over).
            words = (*words, *(w for w in _subject(subs[-1], prev_words) if w not in words))
        # "and from when?": a piece that names nothing asks about the previous one's subject.
        k = len(subs)
        states = (not continues and k + 1 < len(split) and split[k + 1][1] and not _QSTART.match(p)
                  and not _EMBEDDED.search(p))
        if states:
            words = (*words, *(w for w in re.findall(r"[a-z-]+", p.lower()) if w in _MODALITIES and w not in words))
        carried = _subject(subs[-1], prev_words) if subs else prev_words
        subs.append(SubQuestion(text=p, intents=intents_of(p), words=words or carried, states=states))
        prev_words = words or prev_words
    case_words = named(" ".join(case))
    if case:
        # "They said it was vexoma. What is that?": a question that names nothing and points back
        # ("that", "it") asks about what the message named last, not about all of its case.
        last = [c for c in re.split(r"[,;:]|\band\b|\bbut\b", case[-1]) if named(c)]
        named_last = tuple(named(last[-1])) if last else ()
        subs = [replace(sq, words=named_last) if not sq.words and named_last and _POINTS_BACK.search(sq.text)
                else sq for sq in subs]
    shared: list[str] = []
    if len(subs) > 1:
        # Words asked about in more than one piece are the subject.
        seen: dict[str, int] = {}
        for s in subs:
            for w in s.words:
                seen[w] = seen.get(w, 0) + 1
        shared += [w for w, n in seen.items() if n > 1]
    own = {w for s in subs for w in s.words} | set(case_words)
    resolved: tuple[str, ...] = ()
    if prior_topic and (_PRONOUN.search(question) or _CONTINUATION.match(question) or len(own) <= 2):
        resolved = tuple(prior_topic)
        if _CONTINUATION.match(question) and not _PRONOUN.search(question) and _new_subject(own, prior_topic, vocab):
            # "what about the vexo vaccine?" after a question about the kennel vaccine in lambing: the new
            # name is what is asked about, and the previous subject is its context (as a case is), not a
            # word every answering sentence must hold.
            case_words = [*case_words, *(w for w in prior_topic if w not in own)]
            shared = [*(w for sq in subs for w in sq.words), *shared]
        else:
            shared = [*prior_topic, *shared]
    shared = list(dict.fromkeys(shared))
    topic = list(dict.fromkeys([*shared, *case_words]))
    context = tuple(k for k, rx in _POP.items() if any(not _negated(question, m.start()) for m in rx.finditer(question)))
    age = _age(question)
    if age is not None:
        context = tuple(dict.fromkeys([*context, *(["child"] if age < 18 else []), *(["older adult"] if age >= 65 else [])]))
    words_all = list(dict.fromkeys([*topic, *(w for s in subs for w in s.words)]))
    expansions = tuple(vocab.expand(question, words_all))
    # What the message states: its case, and what comes before the first question form of a
    # question sentence ("70F on velmorastat 20 mg for sleep, can she add X?").
    first = next((i for i, p in enumerate(pieces) if _QSTART.match(p)), 0)
    stated = [*case, *pieces[:first]]
    return Understanding(
        question=typed, read=question, audience=audience, sub_questions=tuple(subs), shared=tuple(shared),
        case=tuple(w for w in case_words if w not in shared), context=context,
        expansions=expansions, resolved_from=resolved, age=age,
        unknown=(*unknown_names(content_words(" ".join(stated)), vocab, expansions),
                 *unseen_years(pieces[first:], vocab)),
        asking=asking_words(question), opening_of=tuple(_openings(split, subs)),
    )


def _intent_words(text: str) -> set[str]:
    """The words of ``text`` inside its question-type phrases ("outlook", "how", "often"), lower case."""
    return {w.lower() for rx in _INTENTS.values() for m in rx.finditer(text)
            for w in re.findall(r"[A-Za-z]+", m.group())}


def _subject(prev: SubQuestion, words: tuple[str, ...]) -> tuple[str, ...]:
    """What a later piece's "it" stands for: the previous piece's ``words`` less those of the phrase that
    asks ("is vexoma dangerous for the kennel, and how is it treated?": "it" is vexoma, not "dangerous")."""
    asking = _intent_words(prev.text) - _MODALITIES
    return tuple(w for w in words if w.lower() not in asking) or words


def asks_only(sub: SubQuestion) -> bool:
    """Whether every word of ``sub`` asks for a kind of answer ("what is the outlook?", "and the dose?"):
    the piece names no subject of its own."""
    asking = _intent_words(sub.text)
    return bool(sub.words) and all(w.lower() in asking for w in sub.words)


def _openings(split: Sequence[tuple[str, bool]], subs: Sequence[SubQuestion]) -> list[int | None]:
    """By piece, the index of its sentence's first piece when that states (``SubQuestion.states``)."""
    out: list[int | None] = []
    first = 0
    for k, (_p, continues) in enumerate(split):
        if not continues:
            first = k
        out.append(first if continues and subs[first].states else None)
    return out


#: A denial just before a word: "not", "non-", "no", "never", "isn't", with at most one word between.
_NEGATION = re.compile(r"(?:\b(?:not|non|no|never|isn'?t|aren'?t|wasn'?t)\W{1,2}(?:\w+\W+)?)$", re.I)


def _negated(text: str, at: int) -> bool:
    """Whether the word at ``at`` is denied ("not pregnant", "non-pregnant", "isn't currently pregnant")."""
    return bool(_NEGATION.search(text[max(0, at - 30):at]))


def _specific(word: str, vocab: Vocabulary) -> bool:
    """Whether ``word`` can name a subject: rarer than ``generic_idf`` (or unknown to the corpus)."""
    toks = tokenize(word)
    if not toks:
        return False
    n = vocab.df(toks)[toks[0]]
    return n == 0 or vocab.idf(toks[0]) >= vocab.settings.generic_idf


def _new_subject(words: set[str], prior: Sequence[str], vocab: Vocabulary) -> bool:
    """Whether a follow-up's own ``words`` name a new subject: one of them, not a population word and
    not in the ``prior`` subject, is specific ("what about the dose?" names none; "what about vexoma?" does)."""
    return any(_specific(w, vocab) for w in words - set(prior) if not names_population(w))


def _age(text: str) -> int | None:
    m = _AGE.search(text)
    if not m:
        m2 = re.search(r"\b(\d{1,2})\s*[MF]\b", text)
        return int(m2.group(1)) if m2 else None
    if m.group(2):
        return 0  # months/weeks/days old: an infant
    return int(m.group(1))


def population_terms(context: Sequence[str]) -> list[str]:
    """Index terms of the named populations."""
    return [t for c in context for t in tokenize(POPULATIONS[c][1])]
