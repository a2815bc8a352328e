"""Baselines that every medcite number is printed next to.

* :class:`PlainBM25`: Okapi BM25 (Robertson & Zaragoza, 2009, "The
  Probabilistic Relevance Framework: BM25 and Beyond") from the ``bm25s``
  package with its defaults (Lucene variant, k1=1.5, b=0.75, English stop
  words, no stemming), over exactly the passages in the medcite store. Each
  passage is indexed as its title line plus its text, because medcite's own
  index sees the title too; the comparison then isolates tokenization,
  field weighting and query analysis rather than what text is visible.
* :func:`first_snippets`: the "first retrieved snippets" answer: the top
  ``n`` BM25 passages concatenated (issue 3's baseline for answers).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from medcite.model import Passage
from medcite.store.db import Store


@dataclass(frozen=True, slots=True)
class BaselineHit:
    passage: Passage
    score: float


class PlainBM25:
    """bm25s over every passage of ``store`` (built once, in memory).

    Parameters
    ----------
    store
        The evaluation store; its passages are the baseline's corpus.
    """

    name = "bm25s"

    def __init__(self, store: Store) -> None:
        import bm25s

        # bm25s sets its own logger to DEBUG on import; its index chatter is not progress output.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.passages: list[Passage] = [p for batch in store.iter_passages() for p in batch]
        texts = [f"{p.title}\n{p.text}" for p in self.passages]
        tokens = bm25s.tokenize(texts, show_progress=False)
        self._retriever = bm25s.BM25()
        self._retriever.index(tokens, show_progress=False)

    def search(self, query: str, k: int = 10) -> list[BaselineHit]:
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[list[BaselineHit]]:
        """Top-``k`` passages per query, best first (empty for queries of only stop words)."""
        import bm25s

        if not self.passages:
            return [[] for _ in queries]
        k = min(k, len(self.passages))
        tokens = bm25s.tokenize(list(queries), show_progress=False)
        docs, scores = self._retriever.retrieve(tokens, k=k, show_progress=False)
        out: list[list[BaselineHit]] = []
        for row_docs, row_scores in zip(docs, scores, strict=True):
            # bm25s pads with zero-score rows when fewer than k passages match.
            out.append([
                BaselineHit(self.passages[int(i)], float(s))
                for i, s in zip(row_docs, row_scores, strict=True) if float(s) > 0.0
            ])
        return out


def first_snippets(hits: Sequence[BaselineHit], n: int = 5) -> str:
    """The baseline answer: the first ``n`` retrieved passages, concatenated."""
    return "\n".join(h.passage.text for h in hits[:n])
