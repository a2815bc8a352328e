"""What a medical sentence claims, in the parts a verifier compares: numbers, negations, directions, names.

Pure functions over one sentence. The word lists are general English and
pharmacology (comparators, negation cues, antonym pairs, population words,
WHO INN stems): they name no disease, drug or question of any evaluation set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

# -- numbers with their unit and comparator -------------------------------------

_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d])")
#: Spellings of one unit -> its canonical form. Case-sensitive keys are checked first, then lower-case.
_UNITS: dict[str, str] = {
    "mg": "mg", "milligram": "mg", "milligrams": "mg", "g": "g", "gram": "g", "grams": "g", "kg": "kg",
    "kilogram": "kg", "kilograms": "kg", "mcg": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg",
    "microgram": "mcg", "micrograms": "mcg", "ng": "ng", "ml": "ml", "millilitre": "ml", "milliliter": "ml",
    "millilitres": "ml", "milliliters": "ml", "l": "l", "litre": "l", "liter": "l", "litres": "l", "liters": "l",
    "dl": "dl", "mmol": "mmol", "mol": "mol", "meq": "meq", "iu": "iu", "units": "units", "unit": "units",
    "mmhg": "mmhg", "%": "%", "percent": "%", "per cent": "%", "h": "h", "hr": "h", "hrs": "h", "hour": "h",
    "hours": "h", "min": "min", "minute": "min", "minutes": "min", "s": "s", "sec": "s", "second": "s",
    "seconds": "s", "ms": "ms", "millisecond": "ms", "milliseconds": "ms", "d": "day", "day": "day",
    "days": "day", "wk": "week", "wks": "week", "week": "week", "weeks": "week", "mo": "month",
    "month": "month", "months": "month", "y": "year", "yr": "year", "yrs": "year", "year": "year",
    "years": "year", "°c": "°c", "°f": "°f", "degrees": "degree", "degree": "degree", "celsius": "°c",
    "fahrenheit": "°f", "cm": "cm", "mm": "mm", "m": "m", "km": "km", "times": "times", "fold": "fold",
    "x": "times", "doses": "dose", "dose": "dose", "tablets": "tablet", "tablet": "tablet", "mg/dl": "mg/dl",
    "mmol/l": "mmol/l", "mg/kg": "mg/kg", "mcg/kg": "mcg/kg", "ml/min": "ml/min", "bpm": "bpm",
    "kg/m2": "kg/m2", "kg/m²": "kg/m2", "patients": "patients", "cycles": "cycle", "cycle": "cycle",
}
_UNIT_AFTER = re.compile(r"^\s?-?\s?(degrees?\s+(?:celsius|fahrenheit|centigrade|c|f)\b|°\s?[CFcf]|%|per cent|[A-Za-zµμ°²/]+(?:/[A-Za-z0-9²]+)*)", re.I)
_RANGE_JOIN = re.compile(r"^\s*(?:to|-|–|—|and|or|through)\s*$")

#: Comparators: phrases before a number (longest first) and after it.
_BEFORE: tuple[tuple[str, str], ...] = (
    ("no less than", "ge"), ("not less than", "ge"), ("at least", "ge"), ("a minimum of", "ge"),
    ("minimum of", "ge"), ("≥", "ge"), (">=", "ge"),
    ("no more than", "le"), ("not more than", "le"), ("not exceeding", "le"), ("at most", "le"),
    ("a maximum of", "le"), ("maximum of", "le"), ("up to", "le"), ("≤", "le"), ("<=", "le"),
    ("more than", "gt"), ("greater than", "gt"), ("higher than", "gt"), ("in excess of", "gt"),
    ("exceeding", "gt"), ("above", "gt"), ("over", "gt"), (">", "gt"),
    ("less than", "lt"), ("fewer than", "lt"), ("lower than", "lt"), ("below", "lt"), ("under", "lt"),
    ("<", "lt"), ("within", "within"),
)
_AFTER = re.compile(r"^\s*(?:[A-Za-z%/°µ]+\s*)?(?:or|and)\s+(more|greater|higher|above|over|less|lower|fewer|below|under)\b",
                    re.I)
_AFTER_KIND = {"more": "ge", "greater": "ge", "higher": "ge", "above": "ge", "over": "ge",
               "less": "le", "lower": "le", "fewer": "le", "below": "le", "under": "le"}


@dataclass(frozen=True, slots=True)
class NumberMention:
    """A number as stated: its value (canonical text), unit and comparator (``ge``, ``lt``, ...)."""

    value: str
    unit: str | None
    comparator: str | None
    start: int
    end: int


def canonical_number(whole: str, frac: str | None) -> str:
    """``"1,000"`` -> ``"1000"``; ``"6.50"`` -> ``"6.5"``; ``"2.0"`` -> ``"2"``.

    >>> canonical_number("1,000", None), canonical_number("6", "50"), canonical_number("2", "0")
    ('1000', '6.5', '2')
    """
    w = whole.replace(",", "").lstrip("0") or "0"
    f = (frac or "").rstrip("0")
    return f"{w}.{f}" if f else w


def _unit(text: str) -> str | None:
    m = _UNIT_AFTER.match(text)
    if not m:
        return None
    raw = m.group(1).replace(" ", "")
    deg = re.match(r"(?i)degrees?(celsius|centigrade|c|fahrenheit|f)$", raw)
    if deg:
        return "°f" if deg.group(1).lower().startswith("f") else "°c"
    for cand in (raw, raw.lower(), raw.lower().rstrip(".,;:")):
        if cand in _UNITS:
            return _UNITS[cand]
    low = raw.lower().rstrip(".,;:")
    parts = low.split("/")
    if len(parts) > 1:
        # "mg/kg/day": the unit is its first two parts, the rest a rate.
        head = "/".join(parts[:2])
        if head in _UNITS:
            return _UNITS[head]
        if parts[0] in _UNITS:
            return _UNITS[parts[0]] + "/" + parts[1]
    return None


def _comparator(before: str, after: str) -> str | None:
    b = before.lower().rstrip()
    for phrase, kind in _BEFORE:
        if b.endswith(phrase) and (not phrase[0].isalpha() or len(b) == len(phrase)
                                   or not b[-len(phrase) - 1].isalpha()):
            return kind
    m = _AFTER.match(after)
    return _AFTER_KIND[m.group(1).lower()] if m else None


def numbers(text: str) -> list[NumberMention]:
    """Every number of ``text`` with its unit and comparator; the first number of a range
    ("37 to 39 degrees") takes the unit and comparator of the range.

    >>> [(n.value, n.unit, n.comparator) for n in numbers("at least 150 mg/dL, or 37 to 39 °C")]
    [('150', 'mg/dl', 'ge'), ('37', '°c', None), ('39', '°c', None)]
    """
    found = []
    for m in _NUMBER.finditer(text):
        before, after = text[max(0, m.start() - 24):m.start()], text[m.end():m.end() + 30]
        found.append(NumberMention(canonical_number(m.group(1), m.group(2)), _unit(after),
                                   _comparator(before, after), m.start(), m.end()))
    for i in range(len(found) - 2, -1, -1):
        if found[i].unit is None and _RANGE_JOIN.match(text[found[i].end:found[i + 1].start]):
            found[i] = replace(found[i], unit=found[i + 1].unit)
    return found


# -- words -------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
NEGATION_CUES = frozenset({
    "not", "no", "never", "without", "none", "nor", "neither", "cannot", "against", "avoid", "avoided",
    "contraindicated", "absence", "absent", "lack", "lacks", "lacking", "unnecessary", "don't", "doesn't",
    "didn't", "isn't", "aren't", "wasn't", "weren't", "shouldn't", "won't", "can't", "couldn't", "nothing",
    "fail", "failed", "fails",
})

#: Pairs of opposite directions, as word stems (prefix match).
DIRECTIONS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("increas", "rais", "rise", "rose", "higher", "elevat", "greater", "augment"),
     ("decreas", "reduc", "lower", "declin", "drop", "fall", "fell", "diminish", "less")),
    (("improv", "better", "benefici"), ("worsen", "worse", "harm", "deteriorat", "detriment")),
    (("first-line", "first line"), ("second-line", "second line", "third-line")),
    (("superior",), ("inferior",)),
    (("before",), ("after",)),
    (("maxim",), ("minim",)),
    (("high",), ("low",)),
    (("earl",), ("late",)),
    (("longer", "prolong"), ("shorter", "shorten")),
    (("positive",), ("negative",)),
    (("effective",), ("ineffective",)),
    (("safe",), ("unsafe",)),
    (("more",), ("less", "fewer")),
    (("above",), ("below",)),
    (("sensitiv",), ("resistan",)),
    (("accept",), ("reject",)),
    (("start", "initiat", "begin"), ("stop", "discontinu", "withdraw", "ceas")),
)

#: Who a statement is about; a statement may not name a group its quotes do not.
POPULATIONS: tuple[tuple[str, ...], ...] = (
    ("child", "children", "pediatric", "paediatric", "kids"), ("adult", "adults"),
    ("infant", "infants", "newborn", "newborns", "neonat"), ("adolescen", "teen"),
    ("elderly", "older", "geriatric"), ("women", "woman", "female", "girls"), ("men", "man", "male", "boys"),
    ("pregnan",), ("breastfeed", "lactat", "nursing"), ("postmenopaus",), ("premenopaus",),
)

#: WHO International Nonproprietary Name stems that end drug names (WHO, "The use of stems in the
#: selection of INNs", 2018): a word a statement adds with one of these endings names a drug.
INN_STEMS = re.compile(
    r"(?:mab|tinib|ciclib|parib|rafenib|pril|prilat|sartan|olol|alol|statin|cillin|cef\w*|cycline|mycin|micin|"
    r"floxacin|oxacin|conazole|azole|vir|virine|tidine|prazole|parin|xaban|gatran|gliptin|gliflozin|glutide|"
    r"tide|dronate|sone|olone|asone|dipine|zepam|zolam|barbital|caine|profen|fenac|oxetine|triptyline|setron|"
    r"triptan|lukast|terol|tropium|afil|platin|rubicin|taxel|relin|gestrel|semide|thiazide|pamide|"
    r"formin|glinide|glitazone|sulide|coxib|azepine|peridol|apine|idone|etine|pramine|adol|"
    r"semide|ximab|zumab|umab|ercept|kinra|teplase)$", re.I)


def words(text: str) -> list[str]:
    """Lower-case words (hyphenated words kept whole)."""
    return [w.lower().strip("'-") for w in _WORD.findall(text)]


def negations(text: str) -> list[tuple[int, str]]:
    """``(position, cue)`` of each negation cue among :func:`words` of ``text``."""
    ws = words(text)
    return [(i, w) for i, w in enumerate(ws) if w in NEGATION_CUES or w.endswith("n't")]


def _is_form(word: str, stem: str) -> bool:
    # Short stems ("high", "low", "more") match their own inflections only, not "lateral" for "late".
    if len(stem) <= 4:
        return word in {stem, stem + "s", stem + "er", stem + "est", stem + "ly", stem + "y", stem + "ier"}
    return word.startswith(stem)


def has_stem(ws: list[str] | set[str], stems: tuple[str, ...]) -> bool:
    """Whether any word of ``ws`` is a form of one of ``stems``.

    >>> has_stem(["lateral"], ("late",)), has_stem(["higher"], ("high",)), has_stem(["reduced"], ("reduc",))
    (False, True, True)
    """
    return any(_is_form(w, s) for w in ws for s in stems)


def populations(text: str) -> set[int]:
    """Indexes into :data:`POPULATIONS` of the groups ``text`` names."""
    ws = words(text)
    return {i for i, fam in enumerate(POPULATIONS) if any(w == s or (len(s) > 4 and w.startswith(s))
                                                         for w in ws for s in fam)}


def stem6(word: str) -> str:
    """A crude stem (first six letters) for "does the quote hold this word in some form?"."""
    return word[:6]
