"""The biomedical tokenizer: the same rules for passages and queries."""

from __future__ import annotations

from medcite.index.tokenize import tokenize


def test_numbers_with_units_glue() -> None:
    toks = tokenize("outward flow > 500 ms; diameter 3.5 mm")
    assert "500ms" in toks and "3p5mm" in toks
    assert "35" not in toks  # a decimal never collides with an integer


def test_hyphenated_terms_emit_parts_and_joined_form() -> None:
    assert tokenize("COVID-19") == ["covid", "19", "covid19"]
    assert set(tokenize("COVID19")) <= set(tokenize("COVID-19"))


def test_greek_letters_match_their_names() -> None:
    assert tokenize("TNF-α") == tokenize("TNF-alpha")
    assert "beta" in tokenize("β-blockers")


def test_alphanumerics_are_not_stemmed_or_split() -> None:
    assert tokenize("HbA1c") == ["hba1c"]
    assert tokenize("treated treating treatment")[:2] == ["treat", "treat"]


def test_stopwords_only_function_words() -> None:
    assert tokenize("What is the pain in the legs?") == ["pain", "leg"]
    assert tokenize("the of and", stopwords=False) == ["the", "of", "and"]
