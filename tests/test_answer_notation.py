"""Reading questions as people type them: clinical note shorthand, word families the stemmer splits, clipped
words, question pieces after a stating opening, "what is that?", page boilerplate and lower-case words that
are no short form (small real stores of invented topics)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from library import sections_doc
from medcite.answer.notation import read_notation
from medcite.answer.understand import understand
from medcite.answer.vocabulary import Vocabulary
from medcite.engine import Engine
from medcite.eval.faithfulness import article_text
from medcite.render.markdown import render_markdown


def test_note_shorthand_is_read_as_words() -> None:
    assert read_notation("hx of falls, sx for 2 days, dx unclear; tx?") == (
        "history of falls, symptoms for 2 days, diagnosis unclear; treatment?")
    assert read_notation("Hx of falls w/o LOC, s/p repair") == "history of falls without LOC, after repair"
    assert read_notation("how soon to the OR?") == "how soon to surgery?"
    # Inside a word, in capitals (a name's suffix), or "or" the conjunction: left alone.
    assert read_notation("ptx or hemothorax; Vexolin FX") == "ptx or hemothorax; Vexolin FX"


# Invented: a "vexo fracture" guideline; a "vexo sprain" guideline answers "how soon" for admitted
# patients too, so a question that loses "fx" (or cannot read "admitted" as "admission") can be
# led by the sprain.
KENNEL = {
    "fracture.md": sections_doc("Vexo fracture in older adults", "guideline", [
        "Surgery for a vexo fracture within 48 hours of admission is associated with better outcomes.",
        "Offer wound prophylaxis to patients undergoing vexo fracture surgery.",
        "Vexo fracture is common after falls.",
    ]),
    "sprain.md": sections_doc("Vexo sprain", "guideline", [
        "Admitted patients with a vexo sprain should start walking within 6 hours of admission.",
        "A vexo sprain last night can be rested at home.",
        "Vexo sprains go away within 6 weeks.",
    ]),
}


@pytest.fixture(scope="module")
def kennel(engine_of_docs: Callable[[dict[str, str]], Engine]) -> Engine:
    return engine_of_docs(KENNEL)


def test_a_vignette_in_note_shorthand_is_answered_from_what_it_stands_for(kennel: Engine) -> None:
    q = "81F with vexo fx admitted last night - how soon should she go to the OR?"
    u = understand(q, Vocabulary(kennel.backend, kennel.repository, kennel.settings.ask))
    assert u.question == q  # shown as typed
    assert "fracture" in u.sub_questions[0].words
    art = kennel.ask(q)
    assert art.answerable
    first = article_text(art).splitlines()[0]
    assert "within 48 hours of admission" in first, article_text(art)


def test_question_words_in_chat_spelling_ask_what_they_spell(kennel: Engine) -> None:
    assert read_notation("hw long does it last? Wat causes it, wen to worry") == (
        "how long does it last? what causes it, when to worry")
    # Read as "how long", the question asks for a duration; "long" is not its subject.
    art = kennel.ask("hw long do vexo sprains take to go away", audience="patient")
    assert art.answerable and "within 6 weeks" in article_text(art).splitlines()[0], article_text(art)


def test_a_latin_verb_meets_its_noun(kennel: Engine) -> None:
    vocab = Vocabulary(kennel.backend, kennel.repository, kennel.settings.ask)
    # "admitted" -> "admit", "admission" -> "admiss": one word to the reader.
    assert "admiss" in {e.term for e in vocab.variants("admitted")}
    assert "admit" in {e.term for e in vocab.variants("admission")}
    # A stem that only looks like one ("bas" of "base") gains nothing.
    assert not {e.term for e in vocab.variants("base")} & {"bad"}


# Invented: a guideline defines its short form once and then writes only that; another page about the
# same infection says nothing of treatment.
QVI = {
    "qvi.md": sections_doc("Infections of the flock", "guideline", [
        "Quarantine vexoplasmosis infection (QVI) is notifiable.",
        "QVI is treated with hay rest for 12 days.",
    ]),
    "vexoplasmosis.md": sections_doc("Vexoplasmosis", "patient-info", [
        f"Quarantine vexoplasmosis was seen in flock {i}." for i in range(8)]),
    "sheds.md": sections_doc("Sheds", "research", [f"Shed {i} is treated with lime wash." for i in range(40)]),
}


@pytest.fixture(scope="module")
def qvi(engine_of_docs: Callable[[dict[str, str]], Engine]) -> Engine:
    return engine_of_docs(QVI)


def test_a_clipped_word_reaches_the_short_form_its_sources_write(qvi: Engine) -> None:
    vocab = Vocabulary(qvi.backend, qvi.repository, qvi.settings.ask)
    u = understand("how is vexo treated in the flock?", vocab)
    assert "qvi" in {e.term for e in u.expansions}
    # The sentence that answers names the infection only by its short form.
    art = qvi.ask("how is vexo treated in the flock?")
    assert art.answerable and "QVI is treated with hay rest for 12 days" in article_text(art), article_text(art)


# Invented: the guideline writes the adjective ("vexoric needs"); a question types the noun ("vexory").
VEXORY = {
    "vexoric.md": sections_doc("Vexoric needs", "guideline", [
        "Vexoric needs of kennel dogs are measured with a spring scale.",
        "Kennel dogs are weighed weekly.",
    ]),
}


@pytest.fixture(scope="module")
def vexory(engine_of_docs: Callable[[dict[str, str]], Engine]) -> Engine:
    return engine_of_docs(VEXORY)


def test_a_word_ending_in_y_meets_its_other_forms(vexory: Engine) -> None:
    vocab = Vocabulary(vexory.backend, vexory.repository, vexory.settings.ask)
    # "vexory" -> "vexori", "vexoric" -> "vexor": the stemmer's "i" for the "y" is not part of the word.
    assert "vexor" in {e.term for e in vocab.variants("vexory")}
    art = vexory.ask("how are vexory needs measured in kennel dogs?")
    assert art.answerable and "spring scale" in article_text(art).splitlines()[0], article_text(art)


# Invented: "kennel vexoma" has one first-line regimen; "vacancy tumour" has a guideline that says
# "first-line chemotherapy regimen" more often, so a piece asked without its subject goes there.
VEXOMA = {
    "vexoma.md": sections_doc("Kennel vexoma", "guideline", [
        "Regimen KV-3 is recommended as first-line chemotherapy for kennel vexoma.",
        "Kennel vexoma is staged with a chest scan.",
    ]),
    "vexoma-info.md": sections_doc("Kennel vexoma", "patient-info", [
        "Kennel vexoma is a rare tumour of the paw.",
    ]),
    "vacancy.md": sections_doc("Vacancy tumour", "guideline", [
        "The first-line chemotherapy regimen for vacancy tumour is regimen VT-9, the regimen of first choice.",
        "Vacancy tumour chemotherapy regimens are given first line for six cycles.",
        "Life expectancy with a vacancy tumour is long: nine in ten patients live ten years.",
    ]),
    # Enough other passages that "chemotherapy" and "regimen" are rare words, as in a real library.
    "kennels.md": sections_doc("Kennel upkeep", "research", [
        f"Kennel floor {i} evaluation shows it is swept at {i % 12 + 1} o'clock." for i in range(400)]),
}


@pytest.fixture(scope="module")
def vexoma(engine_of_docs: Callable[[dict[str, str]], Engine]) -> Engine:
    return engine_of_docs(VEXOMA)


def test_a_question_piece_after_a_stating_opening_asks_about_its_subject(vexoma: Engine) -> None:
    art = vexoma.ask("kennel vexoma, what chemotherapy regimen first line?")
    assert art.answerable and not art.uncovered
    text = article_text(art)
    assert "Regimen KV-3" in text.splitlines()[0], text


def test_a_piece_whose_opening_names_what_no_source_holds_is_answered_as_asked(vexoma: Engine) -> None:
    # Read with its opening's words, the piece is covered by nothing; read alone, it is.
    art = vexoma.ask("Blorptastic quarnification worries us, how many cycles of chemotherapy are given "
                     "for vacancy tumour?")
    assert art.answerable
    assert "six cycles" in article_text(art)
    # The opening states; it is not reported as a question the corpus left open.
    assert not any("Blorptastic" in u for u in art.uncovered), art.uncovered
    assert "does not address" not in render_markdown(art)


def test_a_piece_that_only_asks_is_not_answered_about_another_subject(vexoma: Engine) -> None:
    # "what is the life expectancy" names no subject of its own: read alone it asks about any condition,
    # and the vacancy tumour's would answer a question about a cough the library never mentions.
    art = vexoma.ask("my son has Kennel cough, what is the life expectancy?")
    assert "nine in ten" not in article_text(art), article_text(art)
    ok = vexoma.ask("my son has a vacancy tumour, what is the life expectancy?")
    assert ok.answerable and "nine in ten" in article_text(ok).splitlines()[0], article_text(ok)


# Invented: shepherds' pages call vexoplasmosis "vexo" a few times; the guidelines write it out.
LAMBING = {
    "guideline.md": sections_doc("Vexoplasmosis in lambing season", "guideline", [
        f"Vexoplasmosis in flock {i} during lambing season was treated with hay rest for {i % 9 + 5} days."
        for i in range(120)]),
    "shepherds.md": sections_doc("What shepherds say", "patient-info", ["Shepherds call it vexo in lambing season."]),
    "glaze.md": sections_doc("Vexoid glazes", "research", [f"Vexoid glaze {i} dries in a kiln." for i in range(60)]),
    "mill.md": sections_doc("Zorp and blick", "research", [f"Zorp meets blick in mill {i}." for i in range(6)]),
    "hock.md": sections_doc("Vexoedema", "research", [f"Vexoedema swells hock {i} in lambing season." for i in range(6)]),
}


@pytest.fixture(scope="module")
def lambing(engine_of_docs: Callable[[dict[str, str]], Engine]) -> Engine:
    return engine_of_docs(LAMBING)


def test_a_clipping_the_corpus_also_uses_is_read_as_its_far_commoner_completion(lambing: Engine) -> None:
    eng = lambing
    vocab = Vocabulary(eng.backend, eng.repository, eng.settings.ask)
    u = understand("how is vexo treated in lambing season?", vocab)
    assert ("vexo", "vexoplasmosi") in {(e.of, e.term) for e in u.expansions if e.source == "completion"}
    assert not {e.term for e in u.expansions if e.of == "vexo"} & {"vexoid"}
    art = eng.ask("how is vexo treated in lambing season?")
    assert art.answerable and "hay rest" in article_text(art).splitlines()[0]


def test_a_clipping_is_read_by_more_of_the_question_than_its_two_rarest_words(lambing: Engine) -> None:
    vocab = Vocabulary(lambing.backend, lambing.repository, lambing.settings.ask)
    # "zorp" and "blick" are the rarest words and never meet vexoplasmosis; "lambing" does.
    u = understand("how is vexo treated in lambing season when zorp and blick are about?", vocab)
    assert ("vexo", "vexoplasmosi") in {(e.of, e.term) for e in u.expansions if e.source == "completion"}


def test_a_plural_clipping_is_read_as_its_completion(lambing: Engine) -> None:
    vocab = Vocabulary(lambing.backend, lambing.repository, lambing.settings.ask)
    u = understand("how are vexos treated in lambing season?", vocab)
    assert ("vexos", "vexoplasmosi") in {(e.of, e.term) for e in u.expansions if e.source == "completion"}
    # Four letters ("sats" for saturations) are enough for a plural clipping.
    u = understand("how are vexs treated in lambing season?", vocab)
    assert ("vexs", "vexoplasmosi") in {(e.of, e.term) for e in u.expansions if e.source == "completion"}


def test_half_of_a_compound_typed_apart_is_not_completed_to_another_word(lambing: Engine) -> None:
    vocab = Vocabulary(lambing.backend, lambing.repository, lambing.settings.ask)
    # "vexo edema" is "vexoedema" written as two words, not a clipped "vexoplasmosis".
    u = understand("is vexo edema in lambing season serious?", vocab)
    assert not [e for e in u.expansions if e.of == "vexo" and e.source == "completion"]


def test_a_question_that_names_nothing_asks_about_what_was_named_last(vexoma: Engine) -> None:
    vocab = Vocabulary(vexoma.backend, vexoma.repository, vexoma.settings.ask)
    u = understand("Our dog limps and has a rash on the paw, the vet said kennel vexoma. What is that?", vocab)
    words = u.sub_questions[0].words
    assert "vexoma" in words and "rash" not in words and "paw" not in words


# Invented: every "vexitis" page opens with the same pointer to a table; one page also says how
# the disease shows itself.
_KINDS = [a + b for a in ("ka", "lo", "mi", "nu", "pe", "ri", "so") for b in ("bar", "dun", "fex", "gor", "hil", "jat")]
VEXITIS = {
    f"{k}.md": sections_doc(f"{k.title()} vexitis", "patient-info", [
        f"The Kennel Ontology provides the following list of signs and symptoms for {k} vexitis.",
        f"{k.title()} vexitis starts with a limp in the left hind leg." if k == "rifex" else f"{k.title()} vexitis is rare.",
    ]) for k in _KINDS
}


def test_page_boilerplate_does_not_lead(engine_of_docs: Callable[[dict[str, str]], Engine]) -> None:
    eng = engine_of_docs(VEXITIS)
    art = eng.ask("what are the signs and symptoms of rifex vexitis?", audience="patient")
    assert art.answerable
    assert "limp in the left hind leg" in article_text(art).splitlines()[0], article_text(art)


def test_lower_case_words_are_not_looked_up_as_a_short_form(vexoma: Engine) -> None:
    # A definition mined from a parenthesis ("... every 21 days (day 1)") makes "day 1" a short form;
    # typed in lower case it is two words, while an initial and a word ("q vexo") stays a short form.
    conn = vexoma.store.conn
    doc = conn.execute("SELECT id FROM documents LIMIT 1").fetchone()[0]
    conn.executemany("INSERT INTO lexicon (doc_id, kind, term, expansion) VALUES (?, 'abbreviation', ?, ?)",
                     [(doc, "day 1", "vexocillin regimen"), (doc, "q vexo", "Quarry vexoma")])
    conn.commit()
    vocab = Vocabulary(vexoma.backend, vexoma.repository, vexoma.settings.ask)
    assert not [e for e in vocab.lexicon("what happens on day 1 of kennel vexoma?") if e.of == "day 1"]
    assert [e for e in vocab.lexicon("what happens on Day 1 of kennel vexoma?") if e.of == "day 1"]
    assert {e.term for e in vocab.lexicon("is q vexo treatable?")} >= {"quarri", "vexoma"}
