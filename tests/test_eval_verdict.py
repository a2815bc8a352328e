"""The PubMedQA verdict rule, its scoring, and the doctests of medcite.eval."""

from __future__ import annotations

import doctest
import importlib

import pytest

from medcite.eval.verdict import accuracy_macro_f1, verdict


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Tranexamic acid significantly reduces hyperfibrinolysis and blood loss.", "yes"),
        ("There is no advantage to an intramedullary nail versus a sliding hip screw.", "no"),
        ("Binge drinking was not associated with motor deficits; it may matter, further studies are needed.", "no"),
        ("The finding may be useful; further research is warranted.", "maybe"),
        ("", "yes"),
    ],
)
def test_verdict_rule(text: str, want: str) -> None:
    assert verdict(text) == want


def test_accuracy_and_macro_f1_against_hand_computation() -> None:
    gold = ["yes", "yes", "no", "no", "maybe"]
    pred = ["yes", "no", "no", "no", "no"]
    acc, f1 = accuracy_macro_f1(gold, pred)
    # yes: tp1 fp0 fn1 -> 2/3; no: tp2 fp2 fn0 -> 4/6; maybe: 0.
    assert acc == pytest.approx(3 / 5)
    assert f1 == pytest.approx((2 / 3 + 4 / 6 + 0) / 3)
    assert accuracy_macro_f1([], []) == (0.0, 0.0)


@pytest.mark.parametrize(
    "module",
    ["metrics", "faithfulness", "verdict", "report"],
)
def test_module_doctests(module: str) -> None:
    mod = importlib.import_module(f"medcite.eval.{module}")
    result = doctest.testmod(mod)
    assert result.attempted > 0 and result.failed == 0
