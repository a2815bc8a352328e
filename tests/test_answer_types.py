"""A question type is answered by a sentence that carries what it asks for (answer.rank cues), on a real store."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from medcite.engine import Engine

DOCS = {
    "chilblains.md": """---
title: Chilblains
kind: patient-info
---
# Chilblains

Warm socks and gloves are the best treatments for chilblains.
Chilblains are small itchy swellings of the skin that appear after exposure to cold.
Keep your hands and feet warm in winter.
""",
}


@pytest.fixture(scope="module")
def engine(engine_of_docs: Callable[[dict[str, str]], Engine]) -> Engine:
    return engine_of_docs(DOCS)


def test_what_is_x_leads_with_the_sentence_that_says_what_x_is(engine: Engine) -> None:
    art = engine.ask("what r chilblains?", audience="patient")
    assert art.answerable
    # Both sentences name the subject and say "are"; only one opens with the subject and says what
    # it is (the other is what "are the" would have called a definition).
    assert art.sections[0].statements[0].text.startswith("Chilblains are small itchy swellings")
