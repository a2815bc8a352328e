"""Follow-up questions name an entity, never a whole clause."""

from __future__ import annotations

from medcite.answer.followups import entity_in_question

AAA = "Should men aged 65 to 75 years who have ever smoked be screened for abdominal aortic aneurysm?"


def test_the_longest_cited_subject_inside_the_question_wins() -> None:
    names = ["Aortic Aneurysm", "Aneurysm", "Smoking", "Abdominal Aortic Aneurysm", "Heart Failure"]
    assert entity_in_question(AAA, names) == "Abdominal Aortic Aneurysm"


def test_no_entity_when_no_cited_subject_is_in_the_question() -> None:
    assert entity_in_question(AAA, ["Heart Failure", "Colorectal Cancer"]) is None
    assert entity_in_question(AAA, ["men aged 65 to 75 years who have ever smoked"]) is None  # too long
