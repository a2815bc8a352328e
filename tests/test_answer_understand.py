"""Question understanding: sub-questions, question types, case context (the last tests on a small real store)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from library import sections_doc
from medcite.answer.pipeline import run
from medcite.answer.threads import THREADS_FILENAME, ThreadStore
from medcite.answer.understand import _age, content_words, intents_of, split_message, understand
from medcite.answer.vocabulary import Vocabulary
from medcite.engine import Engine
from medcite.eval.faithfulness import article_text
from medcite.readers.guideline_text import html_blocks


def test_vignette_case_and_sub_questions() -> None:
    case, asks = split_message(
        "34-year-old G2P1 at 10 weeks with chronic hypertension on labetalol, BP 150/95. "
        "Should she start aspirin, and from when? Which antihypertensives are safe if her BP rises further?"
    )
    assert case == ["34-year-old G2P1 at 10 weeks with chronic hypertension on labetalol, BP 150/95."]
    assert asks == ["Should she start aspirin", "from when", "Which antihypertensives are safe if her BP rises further"]


def test_coordinated_choices_are_two_questions() -> None:
    _case, asks = split_message(
        "58-year-old man with type 2 diabetes on metformin. Should I add an SGLT2 inhibitor or a GLP-1 agonist, "
        "and ACE inhibitor or ARB?"
    )
    assert len(asks) == 2 and asks[1] == "ACE inhibitor or ARB"


def test_initials_do_not_end_sentences() -> None:
    assert split_message("How is C. diff treated?") == ([], ["How is C. diff treated"])


def test_and_is_before_a_verb_continues_the_statement() -> None:
    # "and is pulling his ear" says more about the child; "and is it ..." asks.
    assert split_message("my son has a fever and is pulling his ear, should we wait?")[1] == [
        "my son has a fever and is pulling his ear", "should we wait"]
    assert split_message("Is the rash contagious, and is it itchy?")[1] == ["Is the rash contagious", "is it itchy"]


def test_a_question_typed_on_at_the_end_of_a_statement_is_its_own_piece() -> None:
    assert split_message("my dad keeps falling and takes a lot of pills what can we do")[1] == [
        "my dad keeps falling and takes a lot of pills", "what can we do"]
    assert split_message("i have a rash on my arm should i see a doctor")[1] == [
        "i have a rash on my arm", "should i see a doctor"]
    # A clause joined by "when" is not a question; a sentence that already asks is cut as before.
    assert split_message("my knee hurts when i walk")[1] == ["my knee hurts when i walk"]
    assert split_message("suspected vexoma, what imaging should I order first?")[1] == [
        "suspected vexoma", "what imaging should I order first"]


def test_the_askers_feelings_are_not_the_subject() -> None:
    assert content_words("i am worried she will break her hip") == ["break", "hip"]
    assert content_words("who gets vexoma") == ["vexoma"]
    assert content_words("my dr says i have vexoma") == ["vexoma"]
    assert content_words("she hasnt had vexoma and i didnt") == ["vexoma"]
    assert content_words("pt needs a vexoscopy, does she need to stop warfarin") == ["vexoscopy", "warfarin"]
    assert content_words("what imaging should I order for vexitis") == ["vexitis"]
    assert content_words("45F asking for a vexoscopy, my grandson asked too") == ["vexoscopy"]


def test_a_request_without_question_mark_is_the_question() -> None:
    case, asks = split_message("3-year-old for surgery tomorrow. Mom asks when to stop breastfeeding.")
    assert asks == ["Mom asks when to stop breastfeeding."] and case == ["3-year-old for surgery tomorrow."]


def test_question_types() -> None:
    assert "timing" in intents_of("how long should a patient fast from clear fluids")
    assert "dose" in intents_of("initial naloxone dose for suspected overdose")
    assert "threshold" in intents_of("what facet effusion size on MRI suggests instability")
    assert "cause" in intents_of("what brings on gout")
    assert "test" in intents_of("how do they test for it")
    assert "treatment" in intents_of("first line treatment for uncomplicated UTI in women")
    # Whether two things go together is a safety question, not "what is" one.
    for q in ("can i drink coffee while taking the pills", "is it ok to take both at the same time",
              "is it bad to take the pills every day", "can i take the pills with high blood pressure"):
        assert "safety" in intents_of(q) and "definition" not in intents_of(q), q


def test_a_question_type_word_that_qualifies_a_noun_names_it() -> None:
    # "severe" asks for a threshold in "is that severe?" and names the disease in "severe vexitis".
    assert content_words("severe vexitis in pregnancy, which drugs?") == ["severe", "vexitis", "pregnancy"]
    assert content_words("is that vexitis severe?") == ["vexitis"]


def test_content_words_drop_people_and_question_words() -> None:
    assert content_words("my 78 year-old mom has shingles, what causes it?") == ["shingles"]
    assert content_words("58-year-old man with type 2 diabetes") == ["man", "type", "diabetes"]
    # "happen" asks when or why; a sentence that answers says "occurs" or "begins".
    assert content_words("when does the rash usually happen") == ["rash"]


def test_age_from_vignette_forms() -> None:
    assert _age("62M, liver transplant") == 62
    assert _age("a 34-year-old woman") == 34
    assert _age("2-month-old ex-34-weeker") == 0
    assert _age("how do u get hep C") is None


def test_table_rows_carry_their_headers() -> None:
    html = ("<table><tr><th>Test</th><th>Diabetes</th></tr>"
            "<tr><td>Fasting plasma glucose</td><td>&#8805;126 mg/dL</td></tr></table>")
    (block,) = html_blocks(html)
    assert "Test: Fasting plasma glucose; Diabetes: ≥126 mg/dL." in block.text.splitlines()


ACCLIMATISATION = {
    "acclimatisation.md": """---
title: Acclimatisation on high treks
kind: guideline
---
# Acclimatisation

Adults should spend two nights at 3000 metres before sleeping any higher.
Children need three nights there, because young climbers report their symptoms late.
Porters carry no more than 25 kg on high passes.
Pregnant trekkers should sleep no higher than 2500 metres.
""",
}


@pytest.fixture(scope="module")
def trek(engine_of_docs: Callable[[dict[str, str]], Engine]) -> Engine:
    return engine_of_docs(ACCLIMATISATION)


def test_an_elliptical_piece_asks_the_previous_question_about_its_new_subject(trek: Engine) -> None:
    u = understand("how many nights should adults spend at 3000 metres before sleeping higher? and children?",
                   Vocabulary(trek.backend, trek.repository, trek.settings.ask))
    first, second = u.sub_questions
    # "and children?" names a new subject and keeps the question it follows: its type and its words.
    assert second.intents == first.intents
    assert "children" in second.words and "nights" in second.words
    art = trek.ask("how many nights should adults spend at 3000 metres before sleeping higher? and children?")
    assert art.answerable and not art.uncovered
    assert "Children need three nights there" in article_text(art)


def test_a_new_question_after_and_is_not_elliptical(trek: Engine) -> None:
    u = understand("how many nights should adults spend at 3000 metres? and how much can porters carry?",
                   Vocabulary(trek.backend, trek.repository, trek.settings.ask))
    # It has its own question word: it asks its own question, not the first one's.
    assert u.sub_questions[1].intents != u.sub_questions[0].intents


def test_a_population_the_case_denies_does_not_steer(trek: Engine) -> None:
    vocab = Vocabulary(trek.backend, trek.repository, trek.settings.ask)
    assert "pregnancy" not in understand("25F, not pregnant, going to 3000 metres. How many nights?", vocab).context
    assert "pregnancy" not in understand("non-pregnant adult at 3000 metres, how many nights?", vocab).context
    assert "pregnancy" in understand("25F, pregnant, going to 3000 metres. How many nights?", vocab).context
    assert "pregnant" not in content_words("25F, not pregnant, going to 3000 metres")


def test_one_standing_for_a_named_thing_asks_about_it(trek: Engine) -> None:
    vocab = Vocabulary(trek.backend, trek.repository, trek.settings.ask)
    u = understand("my son carries a rucksack on treks, what should he do if he drops one by accident?", vocab)
    # "one" is the rucksack: the second piece asks about the first piece's subject.
    assert "rucksack" in u.sub_questions[1].words
    # Counting "one" names nothing: "one night" does not pull the previous piece's words in.
    u = understand("my son carries a rucksack on treks, is one night at 3000 metres enough?", vocab)
    assert "rucksack" not in u.sub_questions[1].words



def test_an_opening_that_names_only_the_population_gets_no_answer_of_its_own(trek: Engine) -> None:
    t = run(trek.backend, trek.repository, "my daughter is pregnant, how many nights should she spend at 3000 metres?",
            audience="clinician", settings=trek.settings.ask, ranker=trek.ranker)
    assert t.understanding.sub_questions[0].states
    assert "pregnancy" in t.understanding.context
    # "my daughter is pregnant" steers the question; it is not answered as a question of its own.
    assert t.evidence.answerable and not [i for i in t.evidence.items if i.sub == 0]
    assert any("Pregnant trekkers" in i.text for i in t.evidence.items), t.evidence.items


def test_it_stands_for_the_thing_not_for_the_words_that_asked_about_it(trek: Engine) -> None:
    vocab = Vocabulary(trek.backend, trek.repository, trek.settings.ask)
    u = understand("is a heavy rucksack dangerous for porters at 3000 metres, and how is it carried?", vocab)
    # "it" is the rucksack; "dangerous" asked whether it harms, it is not what is carried.
    assert "rucksack" in u.sub_questions[1].words
    assert "dangerous" not in u.sub_questions[1].words


# Invented words: "vexo" is typed for "vexoplasmosis", a lambing-season infection. "vexoid" begins the
# same way and "vero" is one edit away; both are common in the library but never near lambing.
CLIPPED = {
    "vexoplasmosis.md": sections_doc("Vexoplasmosis in lambing season", "guideline", [
        "Vexoplasmosis during lambing season is treated with hay rest for 12 days.",
        "Vexoplasmosis spreads in lambing sheds through wet straw carrying Vexoplasma.",
        "Ewes with vexoplasmosis lose weight before lambing as Vexoplasma grows.",
        "Q. vexoplasma antibodies rise two weeks after lambing.",
        "Shepherds report vexoplasmosis late in the lambing months, when Vexoplasma is shed.",
        "Q. vexoplasma survives a winter in lambing pens.",
    ]),
    "vexoid.md": sections_doc("Vexoid coatings", "research", [
        f"Vexoid coating number {i} dries in {i + 2} hours on fence posts." for i in range(1, 8)
    ]),
    "vero.md": sections_doc("Vero glazing", "research", [
        f"Vero glaze batch {i} is treated in a kiln at {900 + i} degrees." for i in range(1, 9)
    ]),
}


@pytest.fixture(scope="module")
def clipped_library(engine_of_docs: Callable[[dict[str, str]], Engine]) -> Engine:
    return engine_of_docs(CLIPPED)


def test_a_clipped_word_is_read_as_the_word_it_begins_that_goes_with_the_question(clipped_library: Engine) -> None:
    eng = clipped_library
    u = understand("vexo in lambing season - what's the treatment?", Vocabulary(eng.backend, eng.repository,
                                                                                 eng.settings.ask))
    read_as = {e.term for e in u.expansions if e.of == "vexo"}
    # Not the commoner one-edit neighbour ("vero") nor the other word with the same start ("vexoid").
    assert "vexoplasmosi" in read_as and "vexoplasma" in read_as
    assert not read_as & {"vero", "vexoid"}
    art = eng.ask("vexo in lambing season - what's the treatment?")
    assert art.answerable
    assert "hay rest for 12 days" in article_text(art)
    assert "kiln" not in article_text(art)


def test_the_same_clipped_word_is_read_by_what_else_is_asked(clipped_library: Engine) -> None:
    vocab = Vocabulary(clipped_library.backend, clipped_library.repository, clipped_library.settings.ask)
    u = understand("how long does vexo take to dry on fence posts?", vocab)
    assert {e.term for e in u.expansions if e.of == "vexo"} == {"vexoid"}


def test_a_thread_keeps_what_a_clipped_word_was_read_as(clipped_library: Engine) -> None:
    first = clipped_library.ask("How is Q. vexo treated?")
    assert first.answerable and first.thread_id
    # A follow-up has no initial or context left to read "vexo" by: the thread's subject is its reading.
    threads = ThreadStore(clipped_library.settings.home / THREADS_FILENAME)
    subject = threads.last_query(first.thread_id)
    threads.close()
    assert subject is not None
    assert "vexoplasma" in subject.focus.split() and "vexo" not in subject.focus.split()


VITAMINS = {
    "k.md": "---\ntitle: Vitamin K\nkind: patient-info\n---\n# How much\n\n"
            "Adults need 90 micrograms of vitamin K a day.\n",
    "d.md": "---\ntitle: Vitamin D\nkind: patient-info\n---\n# How much\n\n"
            "For adults, 600 units of vitamin D is advised.\n",
    "b.md": "---\ntitle: Vitamin B\nkind: patient-info\n---\n# How much\n\n"
            "Adults need 2.4 micrograms of vitamin B a day.\n",
}


def test_a_letter_that_completes_a_name_is_part_of_what_is_asked(
        engine_of_docs: Callable[[dict[str, str]], Engine]) -> None:
    eng = engine_of_docs(VITAMINS)
    art = eng.ask("how much vitamin d do adults need a day?", audience="patient")
    assert art.answerable
    first = article_text(art).splitlines()[0]
    assert "600 units of vitamin D" in first, article_text(art)  # not the vitamin that says "need a day"


def test_an_initial_typed_without_its_full_stop_or_capital_still_reads_the_clipped_word(
        clipped_library: Engine) -> None:
    vocab = Vocabulary(clipped_library.backend, clipped_library.repository, clipped_library.settings.ask)
    for q in ("how is Q. vexo treated?", "how is q vexo treated?", "treatment for Q vexo"):
        u = understand(q, vocab)
        assert ("vexo", "vexoplasma") in {(e.of, e.term) for e in u.expansions if e.source == "clipped"}, q


IMAGING = {
    "imaging.md": """---
title: Imaging in pregnant women
kind: guideline
---
# Recommendations

Computed tomography (CT) of the abdomen exposes the fetus to less than 50 mGy, below the dose linked to fetal harm.
CT should not be withheld from a pregnant woman when it is clinically needed.
""",
    "medicines.md": """---
title: Medicines in pregnancy
kind: patient-info
---
# Overview

Some medicines can harm your baby if you take them while you are pregnant.
""",
}


def test_a_test_the_opening_says_was_done_is_what_it_asks_about(
    engine_of_docs: Callable[[dict[str, str]], Engine],
) -> None:
    # "CT" asks for a test in "do I need a CT?", but in an opening that states it names what was done,
    # and "it" in the question after it stands for it.
    eng = engine_of_docs(IMAGING)
    vocab = Vocabulary(eng.backend, eng.repository, eng.settings.ask)
    u = understand("I had a CT before I knew I was pregnant, will it harm the baby?", vocab, audience="patient")
    opening, asked = u.sub_questions
    assert opening.states and "ct" in opening.words
    assert "ct" in asked.words
    # The question is answered with what the corpus says about that test.
    art = eng.ask("I had a CT before I knew I was pregnant, will it harm the baby?", audience="patient")
    assert art.answerable
    assert "50 mGy" in article_text(art), article_text(art)[:400]
    # Asked for, a test stays the kind of answer wanted, not a subject.
    assert "ct" not in understand("do I need a CT for appendicitis?", vocab).sub_questions[0].words


SPELLING = {
    "care.md": sections_doc("Vexo care", "patient-info", [
        "Psoriasis plaques on the paw soften with emollients.",
        "A knee reflex is tested with a small hammer.",
        "Lambing ewes need dry hay.",
    ]),
}


def test_a_misspelling_keeps_its_first_letter_unless_that_letter_is_silent(
    engine_of_docs: Callable[[dict[str, str]], Engine],
) -> None:
    eng = engine_of_docs(SPELLING)
    vocab = Vocabulary(eng.backend, eng.repository, eng.settings.ask)
    assert [e.surface for e in vocab.corrections("lambng")] == ["lambing"]
    # A first letter changed makes another word: a name the corpus lacks ("veflex"), not "reflex" mistyped.
    assert vocab.corrections("veflex") == []
    # Unless the letter left off is one that is not heard.
    assert [e.surface for e in vocab.corrections("soriasis")] == ["psoriasis"]
