"""ROUGE-SU4 against hand-computed examples (Lin 2004), ranking metrics, TREC files."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcite.eval.metrics import ranking_metrics, rouge, rouge_su, su_units
from medcite.eval.runs import read_qrels, read_run, write_qrels, write_run

# Lin (2004), section 5: the four sentences of the ROUGE-S example.
S1 = "police killed the gunman"
S2 = "police kill the gunman"
S3 = "the gunman kill police"
S4 = "the gunman police killed"


def test_skip_bigrams_of_a_four_word_sentence_are_its_six_ordered_pairs() -> None:
    units = su_units(S1.split(), max_gap=4, unigrams=False)
    assert set(units) == {
        ("police", "killed"), ("police", "the"), ("police", "gunman"),
        ("killed", "the"), ("killed", "gunman"), ("the", "gunman"),
    }


@pytest.mark.parametrize(
    ("candidate", "hits"),
    # Hand-counted skip-bigram matches with S1 (Lin 2004: S2 3, S3 1, S4 2) plus
    # unigram matches (S2: police/the/gunman = 3; S3: 3; S4: all 4).
    [(S2, 3 + 3), (S3, 1 + 3), (S4, 2 + 4)],
)
def test_rouge_su_matches_hand_counts_on_lins_example(candidate: str, hits: int) -> None:
    # Each sentence has C(4,2)=6 skip-bigrams and 4 unigrams: 10 units, so P = R = F = hits/10.
    s = rouge_su(candidate, S1, stem=False)
    assert s.recall == pytest.approx(hits / 10)
    assert s.precision == pytest.approx(hits / 10)
    assert s.fmeasure == pytest.approx(hits / 10)


def test_rouge_s_without_unigrams_reproduces_lins_rouge_s_scores() -> None:
    # Lin 2004 gives ROUGE-S(S2)=0.5, S3=0.167, S4=0.333 against S1.
    ref = su_units(S1.split(), -1, unigrams=False)
    for cand, want in ((S2, 3 / 6), (S3, 1 / 6), (S4, 2 / 6)):
        c = su_units(cand.split(), -1, unigrams=False)
        assert sum(min(v, ref[u]) for u, v in c.items()) / 6 == pytest.approx(want)


def test_skip_distance_limits_pairs_to_four_words_between() -> None:
    toks = ["a", "b", "c", "d", "e", "f", "g"]
    units = su_units(toks, max_gap=4, unigrams=False)
    assert ("a", "f") in units  # 4 words between a and f
    assert ("a", "g") not in units  # 5 words between a and g
    # 7 tokens: pairs with gap <= 4 are all 21 pairs minus (a,g) = 20.
    assert sum(units.values()) == 20


def test_repeated_units_are_clipped() -> None:
    # Candidate "the the the" vs reference "the cat": unigram 'the' clipped to 1,
    # skip-bigram ('the','the') not in reference. Units: cand 3 uni + 3 bi = 6, ref 2 + 1 = 3.
    s = rouge_su("the the the", "the cat", stem=False)
    assert s.precision == pytest.approx(1 / 6)
    assert s.recall == pytest.approx(1 / 3)


def test_rouge_takes_best_reference_and_handles_empty() -> None:
    got = rouge("the cat sat on the mat", ["dogs bark loudly", "the cat sat on the mat"], ("rouge2", "rougeSU4", "rougeL"))
    assert all(v.fmeasure == pytest.approx(1.0) for v in got.values())
    empty = rouge("", ["anything"], ("rougeL", "rougeSU4"))
    assert all(v.fmeasure == 0.0 for v in empty.values())


def test_ranking_metrics_known_values_and_missing_queries_count_as_zero() -> None:
    qrels = {"q1": {"d1": 1}, "q2": {"d2": 1, "d3": 1}, "q3": {"d9": 1}}
    run = {"q1": {"d0": 3.0, "d1": 2.0}, "q2": {"d2": 5.0, "d4": 4.0, "d3": 3.0}}
    m = ranking_metrics(qrels, run, ("R@1", "R@5", "RR", "AP"))
    assert m["R@1"] == pytest.approx((0 + 0.5 + 0) / 3)
    assert m["R@5"] == pytest.approx((1 + 1 + 0) / 3)
    assert m["MRR"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert m["MAP"] == pytest.approx((0.5 + (1 + 2 / 3) / 2 + 0) / 3)


def test_trec_files_round_trip_and_rank_by_score(tmp_path: Path) -> None:
    run = {"q1": {"b": 1.0, "a": 2.0}, "q2": {"c": 0.5}}
    write_run(tmp_path / "x.run", run, "sys")
    lines = (tmp_path / "x.run").read_text().splitlines()
    assert lines[0] == "q1 Q0 a 1 2.000000 sys"
    assert read_run(tmp_path / "x.run") == run
    qrels = {"q1": {"a": 1}, "q2": {"c": 2}}
    write_qrels(tmp_path / "x.qrels", qrels)
    assert read_qrels(tmp_path / "x.qrels") == qrels


def test_trec_writer_refuses_ids_with_spaces(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="whitespace"):
        write_run(tmp_path / "bad.run", {"q 1": {"d": 1.0}}, "sys")
    (tmp_path / "broken.run").write_text("q1 Q0 d 1\n")
    with pytest.raises(ValueError, match="expected"):
        read_run(tmp_path / "broken.run")
