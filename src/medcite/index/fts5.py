"""BM25 over SQLite FTS5, inside the evidence store itself (the default engine).

Why FTS5 by default (measurements in docs/decisions.md): the index lives in
the same SQLite file and the same transaction as the documents, so a killed
ingest can never leave the index out of step with the store, and updates are
incremental. FTS5's ``bm25()`` is Okapi BM25 (Robertson & Zaragoza, 2009,
"The Probabilistic Relevance Framework: BM25 and Beyond") with k1=1.2,
b=0.75, computed per column and summed with the column weights.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from medcite.index.base import DEFAULT_WEIGHTS, ScoredId
from medcite.index.query import SearchQuery, cap_per_doc
from medcite.index.tokenize import index_text, tokenize
from medcite.model import Passage, SourceKind

#: FTS5 has an upper bound on expression depth; long questions are cut.
MAX_QUERY_TERMS = 48


def fts_query(terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression OR-ing the quoted ``terms`` (deduplicated)."""
    uniq = list(dict.fromkeys(t for t in terms if t))[:MAX_QUERY_TERMS]
    return " OR ".join(f'"{t}"' for t in uniq)


class FTS5Backend:
    """The FTS5 index of a :class:`~medcite.store.Store`.

    Parameters
    ----------
    conn
        A callable returning the current thread's connection to the store.
    weights
        Column weights for title, recommendation and body.
    """

    name = "fts5"

    def __init__(
        self, conn: Callable[[], sqlite3.Connection], weights: dict[str, float] | None = None
    ) -> None:
        self._conn = conn
        w = {**DEFAULT_WEIGHTS, **(weights or {})}
        self._weights = (w["title"], w["recommendation"], w["body"])

    def add(self, passages: Sequence[Passage]) -> None:
        rows = []
        for p in passages:
            body = index_text(p.text)
            rows.append(
                (
                    p.id,
                    index_text(p.title),
                    body if p.field == "recommendation" else "",
                    body if p.field != "recommendation" else "",
                    p.source_kind,
                )
            )
        self._conn().executemany(
            "INSERT INTO passages_fts(rowid, title, recommendation, body, kind) VALUES (?,?,?,?,?)", rows
        )

    def remove(self, passage_ids: Sequence[int]) -> None:
        self._conn().executemany("DELETE FROM passages_fts WHERE rowid = ?", [(i,) for i in passage_ids])

    def search(self, query: str, *, kind: SourceKind | None = None, k: int = 10) -> list[ScoredId]:
        return self.search_terms(tokenize(query), kind=kind, k=k)

    def search_terms(self, terms: Sequence[str], *, kind: SourceKind | None = None, k: int = 10) -> list[ScoredId]:
        """Search with already-tokenized (possibly weighted-by-repetition) terms."""
        expr = fts_query(terms)
        if not expr:
            return []
        wt, wr, wb = self._weights
        # bm25() is lower-is-better in FTS5; negate for a conventional score.
        sql = (
            "SELECT f.rowid, p.doc_id, -bm25(passages_fts, ?, ?, ?, 0.0) AS score "
            "FROM passages_fts f JOIN passages p ON p.id = f.rowid "
            "WHERE passages_fts MATCH ?"
        )
        params: list[object] = [wt, wr, wb, expr]
        if kind is not None:
            sql += " AND f.kind = ?"
            params.append(kind)
        sql += " ORDER BY bm25(passages_fts, ?, ?, ?, 0.0) LIMIT ?"
        params += [wt, wr, wb, k]
        return [ScoredId(int(r[0]), str(r[1]), float(r[2])) for r in self._conn().execute(sql, params)]

    # -- structured queries and term statistics ---------------------------------
    def search_query(self, query: SearchQuery) -> list[ScoredId]:
        """Answer a :class:`SearchQuery`.

        FTS5's ``bm25()`` cannot weight single terms, so weights only decide
        which terms take part (the fallback path while the tantivy mirror is
        stale; ranking then is plain BM25F over the chosen terms).
        """
        terms = list(query.merged())
        ors = fts_query(terms)
        if not ors:
            return []
        expr = f"({ors})"
        for group in query.required:
            g = fts_query(group)
            if g:
                expr += f" AND ({g})"
        wt, wr, wb = self._weights
        sql = (
            "SELECT f.rowid, p.doc_id, -bm25(passages_fts, ?, ?, ?, 0.0) AS score "
            "FROM passages_fts f JOIN passages p ON p.id = f.rowid WHERE passages_fts MATCH ?"
        )
        params: list[object] = [wt, wr, wb, expr]
        if query.kinds:
            sql += f" AND f.kind IN ({','.join('?' * len(query.kinds))})"
            params += list(query.kinds)
        if query.doc_ids:
            sql += f" AND p.doc_id IN ({','.join('?' * len(query.doc_ids))})"
            params += list(query.doc_ids)
        fetch = query.k * (4 if query.per_doc else 1)
        sql += " ORDER BY bm25(passages_fts, ?, ?, ?, 0.0) LIMIT ?"
        params += [wt, wr, wb, fetch]
        hits = [ScoredId(int(r[0]), str(r[1]), float(r[2])) for r in self._conn().execute(sql, params)]
        return cap_per_doc(hits, query.per_doc, query.k)

    def doc_freq(self, terms: Sequence[str]) -> dict[str, int]:
        uniq = list(dict.fromkeys(t for t in terms if t))
        out = dict.fromkeys(uniq, 0)
        for i in range(0, len(uniq), 500):
            chunk = uniq[i:i + 500]
            rows = self._conn().execute(
                f"SELECT term, doc FROM passages_vocab WHERE term IN ({','.join('?' * len(chunk))})", chunk
            )
            for term, n in rows:
                out[str(term)] = int(n)
        return out

    def num_passages(self) -> int:
        (n,) = self._conn().execute("SELECT count(*) FROM passages").fetchone()
        return int(n)

    def terms_with_prefix(self, prefix: str, limit: int = 20) -> dict[str, int]:
        if not prefix:
            return {}
        # "{" sorts right after "z": the range holds exactly the terms with this prefix.
        rows = self._conn().execute(
            "SELECT term, doc FROM passages_vocab WHERE term >= ? AND term < ? ORDER BY doc DESC LIMIT ?",
            (prefix, prefix + "{", limit),
        )
        return {str(t): int(n) for t, n in rows}
