"""What an answer shows: what a clipped name stands for, the answering section first, references as read,
and never a publisher's note as the document's evidence.

Over a small corpus written for these tests (invented conditions and drugs, so no rule can know them),
through the real pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from medcite.answer.compose import ExtractiveSynthesizer
from medcite.answer.ports import DocMeta
from medcite.answer.select import Evidence, EvidenceItem, SubAnswer
from medcite.engine import Engine
from medcite.eval.faithfulness import article_text
from medcite.model import EDITORIAL_NOTE, SCOPE, Article, Document
from medcite.readers.ngc import NGCReader

DOCS = {
    "zymo.md": """---
title: Zymomonas fertilis infection
kind: guideline
---
# Cause

Z. fertilis is a soil bacterium that enters through cuts.

# Signs

Z. fertilis infection causes a spreading purple rash.

# Tests

Z. fertilis is grown from a swab of the rash.

# Treatment

Z. fertilis infection is treated with oral brandomycin for 10 days.

# Prevention

Gloves prevent most Z. fertilis infections in gardeners.
""",
    "audit.md": """---
title: Ward audit methods
kind: guideline
---
# Scores

The fert score of each ward is treated as a continuous variable.
""",
}


@pytest.fixture(scope="module")
def engine(engine_of_docs: Callable[[dict[str, str]], Engine]) -> Engine:
    return engine_of_docs(DOCS)


def test_a_clipped_word_after_an_initial_means_its_completion_only(engine: Engine) -> None:
    # "Z. fert" is the bacterium written "Z. fertilis"; the word "fert" alone is something else. Read as
    # "fertilis", the audit sentence names nothing asked (it shares only "treated") and is not shown either.
    art = engine.ask("How is Z. fert treated?")
    text = article_text(art)
    assert art.answerable and "oral brandomycin for 10 days" in text
    assert "fert score" not in text


def _item(doc: str, kind: str, text: str, role: str, p: float) -> EvidenceItem:
    return EvidenceItem(doc_id=doc, source_kind=kind, text=text, start=0, end=len(text), p=p, sub=0,  # type: ignore[arg-type]
                        role=role)


def _article(*items: EvidenceItem) -> Article:
    ev = Evidence(
        question="does drug A prevent relapse?", audience="clinician", subject="drug A",
        sub_answers=(SubAnswer(0, "does drug A prevent relapse", ("treatment",), True, 0.5, 0.9),),
        items=items, docs={"g": DocMeta("g", "guideline", "A guideline"), "r": DocMeta("r", "research", "A trial")},
        answerable=True, threshold=0.55,
    )
    return ExtractiveSynthesizer().compose(ev)


def test_the_article_opens_with_the_section_that_answers_and_numbers_references_as_read() -> None:
    # No guideline sentence was good enough to lead: the study's answer leads, and the guideline's weaker
    # supporting sentence follows it instead of opening the article.
    art = _article(_item("g", "guideline", "Offer follow-up to adults with the condition.", "support", 0.1),
                   _item("r", "research", "Drug A halved relapses in a randomised trial.", "lead", 0.5))
    assert [s.kind for s in art.sections][:2] == ["research", "guidelines"]
    assert art.sections[0].statements[0].text.startswith("Drug A halved relapses")
    # The guideline has no sentence presented as its answer: its sentence is listed, not an opening paragraph.
    assert not art.sections[1].statements and art.sections[1].subsections
    assert [r.doc_id for r in art.references] == ["r", "g"]
    assert art.sections[0].statements[0].citations == [1]


def test_a_guideline_lead_still_opens_the_article() -> None:
    art = _article(_item("r", "research", "Drug A halved relapses in a randomised trial.", "support", 0.5),
                   _item("g", "guideline", "Offer drug A to adults after a first relapse.", "lead", 0.4))
    assert art.sections[0].kind == "guidelines" and [r.doc_id for r in art.references] == ["g", "r"]


NGC_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "guidelines" / "ngc-10510.xml"
NOTE = ("&lt;p&gt;&lt;strong&gt;Note from the National Guideline Clearinghouse (NGC)&lt;/strong&gt;: This summary "
        "was updated in 2016 and its ultrasonography recommendations for women were withdrawn.&lt;/p&gt;")


def _with_note() -> str:
    """The NGC fixture with a clearinghouse note opening its Major Recommendations field."""
    xml = NGC_FIXTURE.read_text(encoding="utf-8")
    field = xml.index('FieldID="151"')
    at = xml.index("content_para&quot;&gt;", field) + len("content_para&quot;&gt;")
    return xml[:at] + NOTE + xml[at:]


def test_a_clearinghouse_note_is_kept_and_labelled_as_the_publishers(tmp_path: Path) -> None:
    path = tmp_path / "ngc-10510.xml"
    path.write_text(_with_note(), encoding="utf-8")
    [doc] = [d for d in NGCReader().read(path) if isinstance(d, Document)]
    notes = [s for s in doc.sections if s.label == EDITORIAL_NOTE]
    assert len(notes) == 1
    assert doc.text[notes[0].start:notes[0].end].startswith("Note from the National Guideline Clearinghouse (NGC)")
    assert "withdrawn" in doc.text and sum(s.label == EDITORIAL_NOTE for s in doc.sections) == 1


def test_a_clearinghouse_note_is_never_shown_as_the_guidelines_evidence(
    engine_of_docs: Callable[[dict[str, str]], Engine],
) -> None:
    # The note is the clearinghouse's, not the task force's: citing it as the guideline would misattribute it.
    eng = engine_of_docs({"ngc-10510.xml": _with_note()})
    art = eng.ask("were the ultrasonography recommendations for women withdrawn?")
    assert "were withdrawn" not in article_text(art)
    hits = eng.search("ultrasonography recommendations women withdrawn", k=20)
    assert any("withdrawn" in h.passage.text for h in hits), "the note is still stored and searchable"


def test_what_a_guideline_considered_is_not_shown_as_what_it_recommends(
    engine_of_docs: Callable[[dict[str, str]], Engine],
) -> None:
    # "Interventions and Practices Considered" lists what the panel weighed, not what it advises:
    # quoted under an answer it would read as a recommendation.
    [doc] = [d for d in NGCReader().read(NGC_FIXTURE) if isinstance(d, Document)]
    scope = [doc.text[s.start:s.end] for s in doc.sections if s.label == SCOPE]
    assert any("Screening for abdominal aortic aneurysm (AAA) with ultrasonography" in t for t in scope)
    assert not any(s.label == SCOPE for s in doc.sections if s.field == "recommendation")
    eng = engine_of_docs({"ngc-10510.xml": NGC_FIXTURE.read_text(encoding="utf-8")})
    art = eng.ask("screening for abdominal aortic aneurysm with ultrasonography?")
    assert art.answerable
    assert "Screening for abdominal aortic aneurysm (AAA) with ultrasonography" not in article_text(art)
    hits = eng.search("screening abdominal aortic aneurysm ultrasonography", k=50)
    assert any(h.passage.text.startswith("Screening for abdominal aortic aneurysm (AAA) with ultrasonography")
               for h in hits), "the field is still stored and searchable"


HOARSE = {
    "hoarse-guideline.md": "---\ntitle: Hoarseness in adults\nkind: guideline\n---\n# Treatment\n\n"
                           "Clinicians should offer voice therapy to adults with a hoarse voice.\n",
    "hoarse-study.md": "---\ntitle: Singers' voices\nkind: research\n---\n# Results\n\n"
                       "A hoarse voice was reported by 3 of 40 singers within a week of scoping.\n",
}


def test_an_opening_stays_when_only_a_less_preferred_source_names_it(
    engine_of_docs: Callable[[dict[str, str]], Engine],
) -> None:
    # The question after the opening is answered only by a study that mentions a hoarse voice in
    # passing: that is no answer to the opening, whose guideline sentence still shows.
    eng = engine_of_docs(HOARSE)
    art = eng.ask("hoarse voice for weeks, when to scope?")
    assert art.answerable
    assert "voice therapy" in article_text(art), article_text(art)


ALCOHOL = {
    "alcohol.md": "---\ntitle: Alcohol\nkind: patient-info\n---\n# Who should not drink\n\n"
                  "Some people should not drink alcohol at all, including people taking certain medicines.\n",
    "zelbanib.md": "---\ntitle: A dose study\nkind: research\n---\n# Results\n\n"
                   "Zelbanib was given to 40 mice for 12 weeks.\n",
}


def test_an_answer_that_leaves_out_what_was_asked_about_says_so(
    engine_of_docs: Callable[[dict[str, str]], Engine],
) -> None:
    # The sentence answers about alcohol and medicines, and never names the drug asked about.
    eng = engine_of_docs(ALCOHOL)
    art = eng.ask("can I drink alcohol while taking zelbanib?", audience="patient")
    assert art.answerable
    assert "Some people should not drink alcohol" in article_text(art)
    gaps = [sec.note or "" for sec in art.sections if sec.kind == "gaps"]
    assert any("“zelbanib”" in g for g in gaps), gaps
    # A question the statements answer in full has no such line.
    full = eng.ask("should people taking certain medicines drink alcohol?", audience="patient")
    assert full.answerable and not [sec for sec in full.sections if sec.kind == "gaps"]
