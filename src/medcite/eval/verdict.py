"""A yes/no/maybe verdict for PubMedQA from the evidence an article cites.

PubMedQA (Jin et al., EMNLP 2019) labels each question yes, no or maybe and
scores accuracy and macro-F1 on the official 500-item test split. medcite
is extractive and has no trained classifier, so the verdict here is a
transparent rule over the quoted evidence: explicit negative findings ("did
not", "no significant", ...) mean *no*, hedges ("may", "further studies",
...) without negatives mean *maybe*, anything else *yes*. The cue lists were
written by reading the task definition, not fitted to the labels, and the
report prints the majority-class baseline next to it: the rule has to beat
"always yes" to mean anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

Verdict = Literal["yes", "no", "maybe"]
LABELS: tuple[Verdict, ...] = ("yes", "no", "maybe")

NO_CUES = (
    r"\bno significant", r"\bnot significant", r"\bnot associated", r"\bno association", r"\bdid not\b",
    r"\bdoes not\b", r"\bdo not\b", r"\bno difference", r"\bno evidence", r"\bno effect", r"\bno benefit",
    r"\bno advantage", r"\bno data to support", r"\bnot improve", r"\bnot reduce", r"\bnot predict",
    r"\bnot necessary", r"\bnot recommended", r"\bfailed to\b", r"\bunable to\b", r"\bneither\b",
    r"\bcannot\b", r"\bwas not\b", r"\bwere not\b", r"\bis not\b", r"\bare not\b",
)
MAYBE_CUES = (
    r"\bmay\b", r"\bmight\b", r"\bpossibl", r"\bunclear\b", r"\buncertain", r"\binconclusive",
    r"\bfurther (?:studies|study|research|investigation|trials)", r"\bremains? to be\b", r"\bwarrant",
    r"\bsuggest", r"\bpotential(?:ly)?\b", r"\blimited\b",
)


def _count(patterns: Sequence[str], text: str) -> int:
    return sum(len(re.findall(p, text)) for p in patterns)


def verdict(evidence: str) -> Verdict:
    """The verdict of a piece of evidence text (see the module docstring).

    >>> verdict("Bezafibrate reduced the incidence of colon cancer.")
    'yes'
    >>> verdict("Statins did not improve the outcome after stroke.")
    'no'
    >>> verdict("These results suggest a possible benefit; further studies are needed.")
    'maybe'
    """
    t = evidence.lower()
    neg, hedge = _count(NO_CUES, t), _count(MAYBE_CUES, t)
    if neg and neg >= hedge:
        return "no"
    if hedge >= 2:
        return "maybe"
    return "yes"


def accuracy_macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] = LABELS) -> tuple[float, float]:
    """Accuracy and macro-F1 over ``labels`` (PubMedQA's official measures).

    >>> accuracy_macro_f1(["yes", "no", "maybe", "yes"], ["yes", "no", "yes", "yes"])
    (0.75, 0.6)
    """
    if not gold:
        return 0.0, 0.0
    acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    f1s = []
    for lab in labels:
        tp = sum(g == p == lab for g, p in zip(gold, pred, strict=True))
        fp = sum(p == lab and g != lab for g, p in zip(gold, pred, strict=True))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return acc, sum(f1s) / len(f1s)
