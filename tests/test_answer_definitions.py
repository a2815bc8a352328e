""""What is X?" and "what does that mean?": the lead says what X is, from the section that says it
(small real stores of invented topics)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from medcite.engine import Engine
from medcite.eval.faithfulness import article_text


def _page(title: str, sections: dict[str, str]) -> str:
    body = "\n\n".join(f"## {h}\n\n{t}" for h, t in sections.items())
    return f"---\ntitle: {title}\nkind: patient-info\n---\n# {title}\n\n{body}\n"


# Invented, in the shape of consumer health pages: one question heading per section. The page on
# vexoma never writes "Vexoma is ..."; its treatment section opens with a clause that does hold
# "the vexoma is", and a page on a form of it says "meaning" and names a nephew.
PAGES = {
    "vexoma.md": _page("Vexoma", {
        "What is (are) Vexoma ?": "Vexoma often occurs when the kennel nerves that control balance are damaged. "
                                  "People with vexoma lose their balance and fall.",
        "What are the treatments for Vexoma ?": "If the vexoma is caused by another condition, that underlying "
                                                "condition is treated first. Balance training helps some people.",
        "What is the outlook for Vexoma ?": "The outlook for people with vexoma depends on its cause.",
    }),
    "kennel-fever.md": _page("Kennel fever", {
        "What is (are) Kennel fever ?": "Kennel fever is an infection caught from damp straw, which is found in "
                                        "barns. Kennel fever is unlike other fevers because it can grow in cold "
                                        "straw. Symptoms include chills and a stiff neck. Treatment is with "
                                        "hay rest.",
    }),
    "late.md": _page("Late kennel vexoma", {
        "What is (are) Late kennel vexoma ?": "Late kennel vexoma is slow, meaning that the vexoma gets worse "
                                              "over years. A nephew of someone with the late form should see a "
                                              "doctor.",
    }),
}


@pytest.fixture(scope="module")
def pages(engine_of_docs: Callable[[dict[str, str]], Engine]) -> Engine:
    return engine_of_docs(PAGES)


def _lead(eng: Engine, q: str) -> str:
    art = eng.ask(q, audience="patient")
    assert art.answerable, q
    return article_text(art).splitlines()[0]


def test_a_clause_that_opens_with_if_does_not_define(pages: Engine) -> None:
    # "If the vexoma is caused by ..." says what to do; it is not "Vexoma is ...", so the policy that
    # lets a defining sentence lead a definition question does not promote it.
    lead = _lead(pages, "what is vexoma")
    assert "If the vexoma" not in lead, lead


def test_what_does_that_mean_is_not_answered_by_a_sentence_that_writes_means(pages: Engine) -> None:
    # Neither "meaning that ..." nor the sentence about nephews answers the asker's nephew's question.
    lead = _lead(pages, "my nephew was just diagnosed with vexoma, what does that mean?")
    assert "meaning that" not in lead and "nephew" not in lead, lead


def test_a_sentence_that_opens_with_the_kind_of_answer_asked_leads(pages: Engine) -> None:
    # On the page about kennel fever, "Treatment is with hay rest." answers without naming it again.
    assert _lead(pages, "how is kennel fever treated?").startswith("Treatment is with hay rest"), \
        article_text(pages.ask("how is kennel fever treated?", audience="patient"))
    # "What are the symptoms of ...?" opens like a definition question; the symptoms answer it.
    assert _lead(pages, "what are the symptoms of kennel fever?").startswith("Symptoms include")
