"""How much a question reads like a health question: its nearest neighbours among known ones.

The zero-shot topic check (:class:`.semantic.Topics`) compares a question with
25 topic names. An everyday question that shares some words with medicine
("how long should a loaf cool before slicing?") can read as health to it. A
bank of real health questions is a denser picture of what health questions
look like: the mean cosine of a question to its ``K`` nearest bank questions
(a k-nearest-neighbour density score; Breunig et al. 2000, Liu et al. 2008 for
distance-based novelty) is low for a question unlike all of them.

The bank is all-MiniLM-L6-v2 vectors (the encoder of :mod:`.semantic`) of
questions from the shared corpora that the ranker also trains on: MedQuAD
(CC BY 4.0, Ben Abacha & Demner-Fushman 2019), BioASQ and PubMedQA, leaving
out the ranker's held-out fifth (``training._held_out``), so that those
questions measure what the check costs. Vectors are stored as int8
(``round(127 v)``; cosines within 0.01 of float). Rebuild with::

    python -m medcite.answer.questionbank --data ../shared/corpora

The bank also holds the vectors of everyday questions (:mod:`.everyday`, written
by a small language model for non-health categories after Yahoo! Answers):
a question matched only in part that sits nearer to them than to every health
question is about something else (a two-class nearest-neighbour comparison,
Cover & Hart 1967). They are encoded by the same command, from the shipped
``everyday_questions.jsonl``.

Nothing is downloaded; the file ships with medcite.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from medcite.answer.semantic import Encoder

BANK_FILE = "question_bank.npz"
#: Neighbours averaged: one near-duplicate question in the bank does not make a question familiar.
K = 5
#: MedQuAD questions drawn (with a fixed seed) from its ~12,000 distinct training questions: its question
#: forms repeat ("What are the symptoms of X?"), so more add vectors but little new shape.
MEDQUAD_SIZE = 4000
#: PubMedQA questions taken (its first, in file order, of the training part).
PUBMEDQA_SIZE = 1500


def bank_path() -> Path:
    return Path(str(resources.files("medcite.answer") / BANK_FILE))


class QuestionBank:
    """Unit vectors of known health questions (and of everyday ones) and how near a new one is."""

    def __init__(self, vectors: np.ndarray, everyday: np.ndarray | None = None) -> None:
        self._vecs = vectors
        self._everyday = everyday

    @classmethod
    def load(cls, path: Path | None = None) -> QuestionBank:
        """The bank shipped with medcite (or the one at ``path``)."""
        import numpy as np

        scale = np.float32(1 / 127)
        with np.load(path or bank_path()) as f:
            # Stored from unit vectors: the rounding moves a norm by well under 1 %, so no renormalising
            # (which would add ~20 ms to a cold ask).
            return cls(f["vectors"].astype(np.float32) * scale,
                       f["everyday"].astype(np.float32) * scale if "everyday" in f.files else None)

    def __len__(self) -> int:
        return int(self._vecs.shape[0])

    def familiarity(self, vector: np.ndarray) -> float:
        """Mean cosine of a question's unit ``vector`` to its :data:`K` nearest bank questions."""
        return _nearest(self._vecs, vector)

    def everyday(self, vector: np.ndarray) -> float | None:
        """Mean cosine of ``vector`` to its :data:`K` nearest everyday questions (None: the bank has none)."""
        return None if self._everyday is None else _nearest(self._everyday, vector)


def _nearest(vectors: np.ndarray, vector: np.ndarray) -> float:
    import numpy as np

    sims = vectors @ vector
    k = min(K, len(sims))
    return float(np.partition(sims, len(sims) - k)[-k:].mean()) if k else 0.0


def bank_questions(data: Path) -> list[str]:
    """The questions of the bank, in a fixed order (see the module docstring)."""
    import numpy as np

    from medcite.answer.training import _held_out
    from medcite.eval import datasets as dsets

    medquad = list(dict.fromkeys(q.question for q in dsets.load_medquad(data, limit=100_000).questions
                                 if not _held_out(q.qid)))
    rng = np.random.default_rng(0)
    out = [medquad[i] for i in sorted(rng.permutation(len(medquad))[:MEDQUAD_SIZE])]
    out += [q.question for q in dsets.load_bioasq(data).questions if not _held_out(q.qid)]
    out += [q.question for q in dsets.load_pubmedqa(data).questions if not _held_out(q.qid)][:PUBMEDQA_SIZE]
    return list(dict.fromkeys(out))


def bank_everyday(encoder: Encoder, path: Path | None = None) -> np.ndarray:
    """Vectors of the shipped everyday questions (:mod:`.everyday`) that read as a topic other than health.

    The small model that wrote them sometimes wrote a health question ("what can a person with a
    disability do?"); the zero-shot topic check (:class:`.semantic.Topics`) leaves those out.
    """
    import numpy as np

    from medcite.answer.everyday import load_questions
    from medcite.answer.semantic import Topics

    vecs = encoder.encode(load_questions(path))
    topics = Topics(encoder)
    keep = [i for i, v in enumerate(vecs) if topics.topic(v)[1] > 0]
    return np.asarray(vecs[keep])


def build(data: Path, out: Path, encoder: Encoder | None = None) -> tuple[int, int]:
    """Encode :func:`bank_questions` of the shared corpora at ``data`` and :func:`bank_everyday` into
    ``out``; return the two counts."""
    import numpy as np

    from medcite.answer.semantic import MiniLM

    enc = encoder or MiniLM(threads=2)
    questions = bank_questions(data)
    vecs, everyday = enc.encode(questions), bank_everyday(enc)
    np.savez_compressed(out, vectors=np.round(vecs * 127).astype(np.int8),
                        everyday=np.round(everyday * 127).astype(np.int8))
    return len(questions), len(everyday)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m medcite.answer.questionbank",
                                 description="Rebuild the health-question bank from the shared corpora.")
    ap.add_argument("--data", type=Path, required=True, help="folder laid out like ../shared/corpora")
    ap.add_argument("--out", type=Path, default=bank_path(), help=f"where to write (default: the shipped {BANK_FILE})")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"error: {args.data} is not a folder; pass --data ../shared/corpora", file=sys.stderr)
        return 2
    n, m = build(args.data, args.out)
    print(f"{n} health and {m} everyday questions -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
