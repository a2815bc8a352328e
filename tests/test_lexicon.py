"""Corpus vocabulary mined at ingest: abbreviation definitions and metadata synonyms."""

from __future__ import annotations

from medcite.lexicon.abbreviations import best_long_form, find_definitions
from medcite.lexicon.mine import lexicon_entries
from medcite.model import Document


def pairs(text: str) -> list[tuple[str, str]]:
    return [(d.short, d.long) for d in find_definitions(text)]


def test_long_form_before_short_form() -> None:
    text = "Patients with eosinophilic esophagitis (EoE) need 2 to 4 biopsies."
    assert pairs(text) == [("EoE", "eosinophilic esophagitis")]


def test_short_form_before_long_form() -> None:
    assert pairs("Start a DOAC (direct oral anticoagulant) unless contraindicated.") == [
        ("DOAC", "direct oral anticoagulant")
    ]


def test_short_form_initial_must_start_a_word() -> None:
    assert pairs("Screen for abdominal aortic aneurysm (AAA) once.") == [("AAA", "abdominal aortic aneurysm")]
    # No word of the candidate starts with "b": no long form.
    assert best_long_form("BP", "probable hypertension") is None


def test_asides_in_parentheses_are_not_definitions() -> None:
    assert pairs("Pain is common (rare in children) after surgery (see below).") == []
    assert pairs("Mortality was 12% (95% CI 8-16).") == []


def test_clause_boundary_limits_the_long_form() -> None:
    text = "Outcomes improved. Chronic obstructive pulmonary disease (COPD) is common."
    assert pairs(text) == [("COPD", "Chronic obstructive pulmonary disease")]


def test_metadata_synonyms_map_to_the_title() -> None:
    doc = Document(id="x", source_kind="patient-info", title="Nodular nonsuppurative panniculitis",
                   text="Tender bumps form under the skin.",
                   extra={"synonyms": ["Weber-Christian disease", "EDS VIB (formerly)"]})
    got = set(lexicon_entries(doc))
    assert ("synonym", "weber-christian disease", "Nodular nonsuppurative panniculitis") in got
    assert ("synonym", "eds vib", "Nodular nonsuppurative panniculitis") in got


def test_also_called_phrases_in_text() -> None:
    doc = Document(id="x", source_kind="patient-info", title="T",
                   text="Sickle cell anemia, also called hemoglobin SS disease, is inherited.")
    assert ("synonym", "hemoglobin ss disease", "Sickle cell anemia") in set(lexicon_entries(doc))


def test_entries_are_bounded() -> None:
    text = " ".join(f"word{i} thing{i} (WT{i})" for i in range(1000))
    doc = Document(id="x", source_kind="guideline", title="T", text=text)
    assert len(list(lexicon_entries(doc))) <= 200
