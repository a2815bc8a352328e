"""BM25 with bm25s (eager sparse scoring in numpy), persisted in a folder.

bm25s (Lù, 2024, "BM25S: Orders of magnitude faster lexical search via eager
sparse scoring", arXiv:2407.03618) precomputes every term's BM25 contribution
per document into a sparse matrix, so a query is a sum of a few sparse rows.

Field weights: bm25s indexes a single bag of tokens per document, so this
backend keeps one bm25s index per field (title, recommendation, body) and
sums ``weight * score`` over fields: the same "weighted sum of per-field
BM25" as SQLite FTS5 and tantivy. Scoring uses Lucene's idf
``ln(1 + (N - n + 0.5) / (n + 0.5))``, k1=1.2, b=0.75 (as tantivy).

Limits, by design of bm25s: the index is static. :meth:`add` and
:meth:`remove` mark it stale and the next search (or :meth:`save`) rebuilds
all three field indexes from the kept token lists; that rebuild is what
incremental ingest costs with this engine (measured in bench/).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from medcite.index.base import DEFAULT_WEIGHTS, ScoredId
from medcite.index.optional import require
from medcite.index.tokenize import index_text, tokenize
from medcite.model import SOURCE_KINDS, Passage, SourceKind

FIELDS = ("title", "recommendation", "body")


class BM25sBackend:
    """A bm25s index kept in memory and saved to / loaded from ``path``.

    Parameters
    ----------
    path
        The index folder, e.g. ``<home>/index/bm25s``; loaded when it holds a
        saved index.
    weights
        Field weights for title, recommendation and body.
    """

    name = "bm25s"

    def __init__(self, path: Path, weights: dict[str, float] | None = None) -> None:
        self._bm = require("bm25s", "'medcite[engines]'")
        self.path = Path(path)
        self.weights = {**DEFAULT_WEIGHTS, **(weights or {})}
        self._pids: list[int] = []
        self._doc_ids: list[str] = []
        self._kinds: list[int] = []
        self._tokens: dict[str, list[str]] = {f: [] for f in FIELDS}
        self._retr: dict[str, Any] = {}
        self._pid_arr = np.zeros(0, dtype=np.int64)
        self._kind_arr = np.zeros(0, dtype=np.int8)
        self._stale = False
        if (self.path / "meta.json").exists():
            self._load()

    # -- writing -----------------------------------------------------------
    def add(self, passages: Sequence[Passage]) -> None:
        for p in passages:
            body = index_text(p.text)
            self._pids.append(p.id)
            self._doc_ids.append(p.doc_id)
            self._kinds.append(SOURCE_KINDS.index(p.source_kind))
            self._tokens["title"].append(index_text(p.title))
            self._tokens["recommendation"].append(body if p.field == "recommendation" else "")
            self._tokens["body"].append(body if p.field != "recommendation" else "")
        self._stale = True

    def remove(self, passage_ids: Sequence[int]) -> None:
        drop = set(passage_ids)
        keep = [i for i, pid in enumerate(self._pids) if pid not in drop]
        self._pids = [self._pids[i] for i in keep]
        self._doc_ids = [self._doc_ids[i] for i in keep]
        self._kinds = [self._kinds[i] for i in keep]
        for f in FIELDS:
            col = self._tokens[f]
            self._tokens[f] = [col[i] for i in keep]
        self._stale = True

    def commit(self) -> None:
        """Rebuild the field indexes if anything changed."""
        if not self._stale:
            return
        self._retr = {}
        for f in FIELDS:
            if not any(self._tokens[f]):
                # bm25s cannot index a vocabulary-free corpus (e.g. no recommendations yet).
                continue
            r = self._bm.BM25(k1=1.2, b=0.75, method="lucene")
            # Empty fields become one empty token, so every row exists in every field index.
            r.index([s.split() for s in self._tokens[f]], show_progress=False)
            self._retr[f] = r
        self._pid_arr = np.asarray(self._pids, dtype=np.int64)
        self._kind_arr = np.asarray(self._kinds, dtype=np.int8)
        self._stale = False

    def save(self) -> None:
        """Write the indexes, passage metadata and token lists under ``path``."""
        self.commit()
        self.path.mkdir(parents=True, exist_ok=True)
        for f in FIELDS:
            shutil.rmtree(self.path / f, ignore_errors=True)
            if f in self._retr:
                self._retr[f].save(str(self.path / f), show_progress=False)
            # Token lists are kept so a later add/remove can rebuild without the store.
            (self.path / f"{f}.tokens.txt").write_text("\n".join(self._tokens[f]) + "\n", encoding="utf-8")
        np.save(self.path / "pids.npy", self._pid_arr)
        np.save(self.path / "kinds.npy", self._kind_arr)
        (self.path / "meta.json").write_text(
            json.dumps({"doc_ids": self._doc_ids, "weights": self.weights}), encoding="utf-8"
        )

    def _load(self) -> None:
        meta = json.loads((self.path / "meta.json").read_text(encoding="utf-8"))
        self._doc_ids = list(meta["doc_ids"])
        self._pid_arr = np.load(self.path / "pids.npy")
        self._kind_arr = np.load(self.path / "kinds.npy")
        self._pids = self._pid_arr.tolist()
        self._kinds = self._kind_arr.tolist()
        n = len(self._pids)
        for f in FIELDS:
            if (self.path / f).exists():
                self._retr[f] = self._bm.BM25.load(str(self.path / f), mmap=True, show_progress=False)
            lines = (self.path / f"{f}.tokens.txt").read_text(encoding="utf-8").split("\n")
            self._tokens[f] = lines[:n]

    # -- reading -----------------------------------------------------------
    def __len__(self) -> int:
        return len(self._pids)

    def search(self, query: str, *, kind: SourceKind | None = None, k: int = 10) -> list[ScoredId]:
        return self.search_terms(tokenize(query), kind=kind, k=k)

    def search_terms(self, terms: Sequence[str], *, kind: SourceKind | None = None, k: int = 10) -> list[ScoredId]:
        """Search with already-tokenized terms (deduplicated, as FTS5 does)."""
        self.commit()
        if not self._pids:
            return []
        uniq = list(dict.fromkeys(t for t in terms if t))
        scores: np.ndarray | None = None
        for f in FIELDS:
            w = self.weights[f]
            r = self._retr.get(f)
            if w <= 0 or r is None:
                continue
            known = [t for t in uniq if t in r.vocab_dict]
            if not known:
                continue
            s = r.get_scores(known)
            scores = s * w if scores is None else scores + s * w
        if scores is None:
            return []
        if kind is not None:
            scores = np.where(self._kind_arr == SOURCE_KINDS.index(kind), scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [
            ScoredId(int(self._pid_arr[i]), self._doc_ids[i], float(scores[i])) for i in top if scores[i] > 0
        ]

    def size_bytes(self) -> int:
        if not self.path.exists():
            return 0
        return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())
