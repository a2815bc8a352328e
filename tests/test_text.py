"""Sentence splitting, cleaning and the DocumentBuilder offset invariant."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from medcite.text import DocumentBuilder, clean, fix_mojibake, html_to_text, split_sentences


def spans(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_split_keeps_abbreviations_and_decimals_together() -> None:
    text = (
        "Perforating veins with outward flow of > 500 ms and a diameter of > 3.5 mm are pathologic "
        "(Grade 2B). Smith et al. reported e.g. compression vs. surgery in Fig. 2. Ulcers healed."
    )
    assert spans(text) == [
        "Perforating veins with outward flow of > 500 ms and a diameter of > 3.5 mm are pathologic (Grade 2B).",
        "Smith et al. reported e.g. compression vs. surgery in Fig. 2.",
        "Ulcers healed.",
    ]


def test_line_breaks_end_sentences_and_bullets_are_units() -> None:
    text = "Key Points\n- Reflux is common\n- Duplex ultrasound confirms it"
    assert spans(text) == ["Key Points", "- Reflux is common", "- Duplex ultrasound confirms it"]


def test_split_respects_a_window() -> None:
    text = "First one. Second one. Third one."
    start = text.index("Second")
    assert [text[s:e] for s, e in split_sentences(text, start, len(text))] == ["Second one.", "Third one."]


@given(st.lists(st.text(alphabet="abc .!?\nXYZ12", min_size=0, max_size=40), max_size=6))
def test_split_spans_are_inside_and_ordered(parts: list[str]) -> None:
    text = " ".join(parts)
    prev = 0
    for s, e in split_sentences(text):
        assert 0 <= prev <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()
        prev = e


def test_mojibake_and_html_are_repaired() -> None:
    assert fix_mojibake("CriteriaÂ®") == "Criteria®"
    assert fix_mojibake("donâ€™t") == "don’t"
    twice = "&amp;lt;p&amp;gt;Use &amp;lt;b&amp;gt;compression&amp;lt;/b&amp;gt; stockings&amp;lt;/p&amp;gt;"
    assert html_to_text(twice) == "Use compression stockings"
    assert html_to_text("<ul><li>one</li><li>two</li></ul>") == "- one\n- two"
    assert clean("  a \t b \n\n\n c ") == "a b\n\nc"


def test_builder_offsets_point_at_section_text() -> None:
    b = DocumentBuilder()
    b.add("Background", "  Veins carry blood.  ")
    assert b.add("Empty", "   ") is None
    b.add("Rec", "Use compression (A).", field="recommendation", grade="A")
    doc = b.build(id="local:x", source_kind="guideline", title=" X ", year=2014)
    assert doc.title == "X" and doc.year == 2014
    assert [doc.text[s.start:s.end] for s in doc.sections] == ["Veins carry blood.", "Use compression (A)."]
    assert doc.sections[1].grade == "A"


def test_less_than_signs_in_text_are_not_tags() -> None:
    assert html_to_text("&lt;14 days. [&lt;strong&gt;A&lt;/strong&gt;]") == "<14 days. [A]"
    assert html_to_text("<p>x < 5 mm and y > 3</p>") == "x < 5 mm and y > 3"
