"""A condition's other names: a page that declares them ("X, also called Y") lets a question that types
one name reach sources that write another (small real stores of invented topics)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from library import sections_doc
from medcite.answer.understand import understand
from medcite.answer.vocabulary import Vocabulary
from medcite.engine import Engine
from medcite.eval.faithfulness import article_text

# Invented: the patient page files the tumour under "kennel tumour" and declares its other name; the
# guidelines write only "paw vexoma". "Straw fever" is written everywhere; its other name is rare.
NAMES = {
    "kennel-tumour.md": sections_doc("Kennel tumour", "patient-info", [
        "Kennel tumour, also called paw vexoma, is a slow growth on the nerve of the paw.",
    ]),
    "paw-vexoma.md": sections_doc("Paw vexoma surgery", "guideline", [
        "Continuous nerve monitoring is recommended during paw vexoma surgery to keep the paw moving.",
        *(f"Paw vexoma case {i} was removed in theatre {i % 5 + 1}." for i in range(20)),
    ]),
    "straw-fever.md": sections_doc("Straw fever", "patient-info", [
        "Straw fever, also called hay rash, comes after lambing.",
        *(f"Straw fever in flock {i} lasted {i % 4 + 2} days." for i in range(20)),
    ]),
    "hay.md": sections_doc("Hay bales", "research", [f"Hay bale {i} was stacked dry." for i in range(30)]),
}


@pytest.fixture(scope="module")
def names(engine_of_docs: Callable[[dict[str, str]], Engine]) -> Engine:
    return engine_of_docs(NAMES)


def test_a_name_the_sources_write_otherwise_reaches_them(names: Engine) -> None:
    q = "kennel tumour surgery - should we monitor the nerve?"
    u = understand(q, Vocabulary(names.backend, names.repository, names.settings.ask))
    assert {"vexoma"} <= {e.term for e in u.expansions if e.of == "kennel tumour"}
    art = names.ask(q)
    assert art.answerable
    assert "Continuous nerve monitoring is recommended" in article_text(art).splitlines()[0], article_text(art)


def test_a_name_the_corpus_writes_itself_is_not_read_as_a_rarer_one(names: Engine) -> None:
    u = understand("how long does straw fever last?", Vocabulary(names.backend, names.repository, names.settings.ask))
    # "hay rash" is straw fever's other name, but the corpus writes "straw fever": "hay" would only
    # bring in the hay bales.
    assert not {e.term for e in u.expansions if e.of == "straw fever"} & {"hay", "rash"}
