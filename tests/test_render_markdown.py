"""Markdown rendering of an Article."""

from __future__ import annotations

from medcite.model import Article, ArticleSection, Quote, Reference, Statement
from medcite.render.markdown import render_markdown


def _article() -> Article:
    g = Statement(text="Use duplex ultrasound to confirm the diagnosis.", citations=[1],
                  evidence=[Quote(1, "ngc:9975", "Use duplex ultrasound to confirm the diagnosis.", 10, 57)])
    r = Statement(text="Reflux >500 ms was abnormal.", citations=[2],
                  evidence=[Quote(2, "pmid:1", "Reflux >500 ms was abnormal.", 0, 28)])
    return Article(
        question="What is venous reflux?", audience="clinician", answerable=True,
        sections=[
            ArticleSection("From the Guidelines", "guidelines", [g],
                           [ArticleSection("Key Points", "key_points", [g])]),
            ArticleSection("From the Research", "research", [], [ArticleSection("Diagnosis", "research", [r])],
                           note="The retrieved studies only indirectly address this question."),
        ],
        references=[
            Reference(1, "ngc:9975", "Varicose veins in the legs.", "guideline", 2013, "http://nice", None,
                      developer="National Guideline Centre"),
            Reference(2, "pmid:1", "A study", "research", 2003, None, "1", authors=["Labropoulos N"],
                      evidence_level="Cohort study"),
        ],
        disclaimer="For professionals.", follow_up_questions=["How is venous reflux treated?"],
    )


def test_markdown_has_sections_citations_references() -> None:
    md = render_markdown(_article())
    assert md.startswith("# What is venous reflux?\n")
    assert "## From the Guidelines" in md and "### Key Points" in md
    assert "Use duplex ultrasound to confirm the diagnosis. [1]" in md
    assert "*(Cohort study, 2003)* Reflux >500 ms was abnormal. [2]" in md
    assert "> The retrieved studies only indirectly address this question." in md
    assert "1. National Guideline Centre. *Varicose veins in the legs*. 2013." in md
    assert "PMID 1" in md and "## Professional Medical Disclaimer" in md
    assert "- How is venous reflux treated?" in md


def test_unanswerable_article_says_so_without_padding() -> None:
    art = Article(question="How do I bake bread?", audience="patient", answerable=False,
                  notes=["No passage mentions bread."], disclaimer="Not medical advice.")
    md = render_markdown(art)
    assert "The evidence in this corpus does not cover this question." in md
    assert "References" not in md and "No passage mentions bread." in md


def test_list_items_are_displayed_inline() -> None:
    art = _article()
    art.sections[0].statements[0] = Statement(
        text="For people with reflux:\n- Offer ablation\n- Offer foam", citations=[1],
        evidence=[Quote(1, "ngc:9975", "x", 0, 1)])
    assert "For people with reflux: • Offer ablation • Offer foam [1]" in render_markdown(art)
