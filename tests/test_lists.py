"""A selected sentence that announces a list carries its items (answer.lists), on a real store.

"Descend at once if any of the following develop:" answers nothing alone; the
criteria are the bullet lines under it, which rank low on their own (few
question words). The article must show them, quoted exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from medcite.answer.lists import complete_lists, is_item
from medcite.answer.pipeline import run
from medcite.engine import Engine
from medcite.eval.faithfulness import article_text, check_article

DOCS = {
    "altitude.md": """---
title: Acute altitude sickness in trekkers
kind: guideline
---
# When to descend

A trekker with acute altitude sickness should descend at once if any of the following danger signs develop:
- Confusion or unsteady walking
- Breathlessness at rest
- A wet cough with pink frothy sputum

Rest for a day at the same altitude when symptoms are mild.

# Prevention

Ascend no more than 500 metres a day above 3000 metres.
""",
    "chilblains.md": """---
title: Chilblains
kind: patient-info
---
# Overview

Chilblains are a reaction of small blood vessels in the skin to cold.
They cause itchy red or purple swellings on the toes and fingers a few hours after exposure.

# Self-care

Keep the feet warm and dry.
""",
}


@pytest.fixture(scope="module")
def engine(engine_of_docs: Callable[[dict[str, str]], Engine]) -> Engine:
    return engine_of_docs(DOCS)


def test_a_list_announced_by_the_answer_is_shown_with_it(engine: Engine) -> None:
    art = engine.ask("which danger signs mean a trekker with altitude sickness must descend?")
    assert art.answerable
    text = article_text(art)
    assert "danger signs develop:" in text
    # The items: they share almost no word with the question, so they are here because of the list.
    for item in ("Confusion or unsteady walking", "Breathlessness at rest", "pink frothy sputum"):
        assert item in text, text
    # The widened statement is one exact quote of the document, and nothing is said twice.
    faith = check_article(art, engine.store)
    assert faith.quotes and faith.valid_quotes == faith.quotes, faith.problems
    assert text.count("Breathlessness at rest") == 1
    # The list ends where the bullets end: the next paragraph is not swallowed into it.
    widened = next(st for sec in art.sections for st in sec.statements if "danger signs develop:" in st.text)
    assert "Rest for a day" not in widened.text


def test_without_lists_the_items_are_missing(engine: Engine) -> None:
    # The check above can fail: with list completion off, the announcing sentence stands alone.
    settings = replace(engine.settings.ask, list_items=0)
    tr = run(engine.backend, engine.repository, "which danger signs mean a trekker with altitude sickness must descend?",
             audience="clinician", settings=settings, ranker=engine.ranker, encoder=engine.encoder)
    texts = [i.text for i in tr.evidence.items]
    assert any(t.rstrip().endswith("develop:") for t in texts)
    assert not any("Confusion or unsteady walking" in t and "develop:" in t for t in texts)


def test_a_list_is_cut_at_the_word_budget(engine: Engine) -> None:
    q = "which danger signs mean a trekker with altitude sickness must descend?"
    off = replace(engine.settings.ask, list_items=0)
    tr = run(engine.backend, engine.repository, q, audience="clinician", settings=off, ranker=engine.ranker,
             encoder=engine.encoder)
    used = sum(len(i.text.split()) for i in tr.evidence.items)
    cands = [s.cand.sentence for s in tr.scored]
    # Room for the first item (5 words with its bullet) only.
    ev = complete_lists(tr.evidence, cands, engine.repository, max_items=8, budget=used + 5)
    lead = next(i for i in ev.items if "develop:" in i.text)
    assert "Confusion or unsteady walking" in lead.text and "Breathlessness" not in lead.text
    assert lead.text == engine.store.text(lead.doc_id)[lead.start:lead.end]


def test_a_lead_is_continued_by_the_sentence_that_goes_on_about_it(engine: Engine) -> None:
    art = engine.ask("what are chilblains?", audience="patient")
    assert art.answerable
    lead = art.sections[0].statements[0]
    # The lead's next sentence opens with "They": it still speaks of the subject, and it carries
    # what a reader asks next (what chilblains look like); the two are one exact quote.
    assert lead.text.startswith("Chilblains are a reaction") and "itchy red or purple swellings" in lead.text
    doc = engine.store.text(lead.evidence[0].doc_id)
    assert doc[lead.evidence[0].start:lead.evidence[0].end] == lead.text


@pytest.mark.parametrize(("line", "item"), [
    ("- Age under 3 months", True),
    ("2) Refer within 24 hours", True),
    ("Low mood", True),
    ("Offer a review at 6 weeks to everyone who started treatment.", False),
])
def test_what_counts_as_a_list_item(line: str, item: bool) -> None:
    assert is_item(line) is item
