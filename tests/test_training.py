"""The ranker's training objective: pairwise weights that order a question's candidates, then Platt scaling."""

from __future__ import annotations

import random

import pytest

np = pytest.importorskip("numpy", reason="training needs numpy (pip install 'medcite[eval]')")

from medcite.answer.training import Example, fit, ranking_scores  # noqa: E402


def _questions(n: int, seed: int) -> list[Example]:
    """Questions whose answer is told apart by feature 0 *relative to the question* only.

    Each question has its own offset, so across questions feature 0 says nothing
    about the label: a pointwise fit finds little, a pairwise one the right order.
    Feature 1 is noise.
    """
    rnd = random.Random(seed)
    out = []
    for q in range(n):
        offset = rnd.uniform(-3, 3)
        for k in range(20):
            y = int(k == 0)
            x0 = offset + (1.0 if y else 0.0) + rnd.gauss(0, 0.3)
            out.append(Example(f"q{q}", "toy", [x0, rnd.gauss(0, 1)], y, bm25=rnd.random()))
    return out


def test_pairwise_fit_orders_each_questions_candidates() -> None:
    train, held_out = _questions(200, 1), _questions(100, 2)
    weights, bias = fit(train)
    assert weights[0] > 0 and abs(weights[1]) < weights[0] / 5

    def prob(e: Example) -> float:
        return float(1 / (1 + np.exp(-(bias + weights[0] * e.x[0] + weights[1] * e.x[1]))))

    learned = ranking_scores(held_out, prob)
    by_bm25 = ranking_scores(held_out, lambda e: e.bm25)
    assert learned["P@1"] > 0.8 > by_bm25["P@1"]
    # Platt scaling: calibrated probabilities, whose mean is the base rate (1 in 20), not raw scores.
    probs = [prob(e) for e in held_out]
    assert all(0 < p < 1 for p in probs)
    assert abs(sum(probs) / len(probs) - 0.05) < 0.01


def test_fit_is_reproducible() -> None:
    data = _questions(50, 3)
    assert fit(data) == fit(data)


def test_fit_without_pairs_says_why() -> None:
    only_negatives = [Example("q", "toy", [0.0, 1.0], 0, 0.0), Example("q", "toy", [1.0, 0.0], 0, 0.0)]
    with pytest.raises(ValueError, match="no question has both"):
        fit(only_negatives)
