"""The statement verifier: changed meaning is caught, faithful rewording is not (rules, no model)."""

from __future__ import annotations

import pytest

from medcite.verify import CitedQuote, RuleVerifier

QUOTE = CitedQuote("Rapid rewarming of frostbitten tissue in a water bath at 37 to 39 degrees Celsius is "
                   "recommended for adults.", "guideline")
STUDY = CitedQuote("Rewarming at 40 degrees Celsius reduced tissue loss by 30% in 120 patients.", "research")


def share(words: object) -> dict[str, float]:
    # A toy corpus vocabulary: everything common except two drug names.
    return {w: (0.0 if w in {"ibuprofen", "aspirin"} else 0.2) for w in words}  # type: ignore[attr-defined]


V = RuleVerifier(share, 0.01)


@pytest.mark.parametrize("statement", [
    "Frostbitten tissue should be rewarmed rapidly in a water bath at 37 to 39 degrees Celsius in adults.",
    "For adults, rapid rewarming in a 37 to 39 degrees Celsius water bath is recommended.",
])
def test_faithful_rewordings_pass(statement: str) -> None:
    v = V.verify(statement, [QUOTE], section_kind="guideline")
    assert v.supported, v.reasons


@pytest.mark.parametrize(("statement", "check"), [
    ("Rapid rewarming in a water bath at 40 to 42 degrees Celsius is recommended for adults.", "numbers"),
    ("Rapid rewarming in a water bath at 37 to 39 degrees Fahrenheit is recommended for adults.", "numbers"),
    ("Rapid rewarming in a water bath at more than 37 degrees Celsius is recommended for adults.", "numbers"),
    ("Rapid rewarming in a water bath at 37 to 39 degrees Celsius is not recommended for adults.", "negation"),
    ("Rapid rewarming in a water bath at 37 to 39 degrees Celsius is recommended for children.", "population"),
    ("Ibuprofen with rewarming in a water bath at 37 to 39 degrees Celsius is recommended for adults.", "terms"),
])
def test_changed_meaning_is_caught_with_its_reason(statement: str, check: str) -> None:
    v = V.verify(statement, [QUOTE], section_kind="guideline")
    assert not v.supported
    assert check in [c.name for c in v.checks if not c.ok], v.reasons
    assert v.reasons and all(r for r in v.reasons)


def test_a_number_from_a_study_needs_the_study_cited() -> None:
    s = "Rapid rewarming at 40 degrees Celsius is recommended for adults."
    assert not V.verify(s, [QUOTE], section_kind="guideline").supported  # 40 is the study's number
    both = V.verify(s, [QUOTE, STUDY], section_kind=None)
    assert both.supported, both.reasons
    # ... and a guideline section may not cite the study at all.
    assert "sources" in [c.name for c in V.verify(s, [QUOTE, STUDY], section_kind="guideline").checks if not c.ok]


def test_direction_and_in_place_swaps() -> None:
    q = CitedQuote("Early surgery reduced mortality compared with late surgery in adults and children.")
    assert not V.verify("Early surgery increased mortality compared with late surgery.", [q]).supported
    assert not V.verify("Late surgery reduced mortality compared with early surgery in adults and children.",
                        [q]).supported
    assert V.verify("Compared with late surgery, early surgery reduced mortality in adults and children.",
                    [q]).supported


def test_a_statement_without_quotes_is_unsupported() -> None:
    assert not V.verify("Anything at all.", []).supported
