"""Pinned quality scores: a fixed quick subset of PubMedQA and BioASQ must not get worse.

Runs when ../shared/corpora exists (about a minute on 2 cores). A score that
drops by more than the tolerance in ``pinned_scores.json`` fails; a score
that rises passes and is printed, so the pin can be raised deliberately:

    python tests/test_eval_pinned.py      # rewrites tests/pinned_scores.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from medcite.eval.report import flatten
from medcite.eval.runner import run

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
PINS = Path(__file__).with_name("pinned_scores.json")


def quick_scores(out: Path, subset: dict[str, dict[str, int]]) -> dict[str, float]:
    """Scores of ``{dataset: {"questions": n, "answers": m}}``, one run per dataset."""
    scores: dict[str, float] = {}
    for name, size in subset.items():
        results, _ = run([name], SHARED, out / name, limit=size["questions"], answers=size["answers"])
        scores.update(flatten(results))
    return scores


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared corpora not found at {SHARED}")
def test_pinned_scores_do_not_drop(tmp_path: Path) -> None:
    pins = json.loads(PINS.read_text())
    tol = float(pins["tolerance"])
    got = quick_scores(tmp_path, pins["subset"])
    missing = sorted(set(pins["scores"]) - set(got))
    assert not missing, f"pinned scores no longer produced: {missing}"
    drops = {k: (v, got[k]) for k, v in pins["scores"].items() if got[k] < v - tol}
    rises = {k: (v, got[k]) for k, v in pins["scores"].items() if got[k] > v + tol}
    if rises:
        print("scores above their pins (consider re-pinning):", rises)
    assert not drops, f"scores dropped by more than {tol} (pinned, now): {drops}"


if __name__ == "__main__":
    import tempfile

    pins = json.loads(PINS.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        pins["scores"] = quick_scores(Path(tmp), pins["subset"])
    PINS.write_text(json.dumps(pins, indent=2) + "\n")
    sys.stdout.write(f"wrote {len(pins['scores'])} pinned scores to {PINS}\n")
