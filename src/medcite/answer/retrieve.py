"""Retrieval, separately per source kind: BM25 passages -> candidate sentences.

Each source kind (guideline, research, patient-info) is searched on its own
so a kind with many documents (research) cannot crowd out a kind with few
but authoritative ones (guidelines). The FTS5 expression *requires* the
focus (all tokens of the focus or of one synonym) and lets facet cues,
context and qualifiers add to the BM25 score (Robertson & Zaragoza 2009);
a second, smaller query does the same for related conditions.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field

from medcite.index.tokenize import tokenize
from medcite.model import SourceKind

#: Passages per kind for the focus query and for the related-conditions query.
K_FOCUS = 40
K_RELATED = 24
#: A focus longer than this (research-style questions) is matched by any of
#: its tokens; the selector then demands coverage.
MAX_AND_TOKENS = 3

#: A focus token this many times more frequent than its rarest token is
#: generic ("knockdown" next to "prkar1a"; see :meth:`TermStats.head`).
HEAD_DF_RATIO = 8.0
#: Head nouns of research questions that name a kind of thing, not the thing
#: ("the COUGER tool", "the PAR-CLIP methodology", "the viral KP4 protein").
GENERIC_HEADS: frozenset[str] = frozenset(tokenize(
    "tool tools method methods methodology technique techniques approach approaches system systems "
    "protein proteins gene genes molecule molecules database software algorithm program package server "
    "assay procedure strategy model models"
))

#: Recommendation sentences taken per swept guideline (see :func:`sweep`).
SWEEP_PER_DOC = 160
#: ``(doc_id, source_kind, section_idx, start, end, passage_score)``
SentRow = tuple[str, str, int, int, int, float]

#: Retrieval cue words per facet (added to the BM25 score, never required).
FACET_TERMS: dict[str, tuple[str, ...]] = {
    "definition": ("defin", "is", "refer", "mean", "condit", "occur"),
    "causes": ("caus", "risk", "factor", "pathophysiolog", "mechan", "valv"),
    "symptoms": ("symptom", "sign", "pain", "swell"),
    "diagnosis": ("diagnos", "duplex", "ultrasound", "test", "assess", "evalu"),
    "treatment": ("treatment", "treat", "therapi", "recommend", "offer", "compress", "surgeri"),
    "prognosis": ("prognosi", "outcom", "surviv", "recurr"),
    "prevention": ("prevent", "risk", "reduc"),
    "dosing": ("dose", "mg", "daili"),
}


@dataclass(slots=True)
class Candidate:
    """A candidate evidence span (one sentence, or a list lead-in with its items)."""

    doc_id: str
    source_kind: SourceKind
    start: int
    end: int
    text: str
    section_idx: int
    heading: str
    field: str
    grade: str | None
    level: str | None
    label: str | None
    passage_score: float
    #: True when it came from the related-conditions query.
    via_related: bool = False
    #: Filled by the selector.
    facet: str = "other"
    score: float = 0.0
    tokens: set[str] = dc_field(default_factory=set)
    match: str = ""
    #: Research only: the study design (see :mod:`medcite.answer.levels`).
    design: str | None = None
    #: Start offset of the candidate's section (first sentences of a section lead it).
    sec_start: int = -1
    #: Filled by the selector: the document is about another condition and
    #: only names the focus in passing (never used in a lead or Key Points).
    off_topic: bool = False
    #: Filled by the selector: "focus" when the sentence defines the focus or
    #: a synonym, "related" when it defines a related condition, else "".
    defines: str = ""


@dataclass(slots=True)
class Retrieved:
    """Candidates per kind plus what the selector needs about their documents."""

    by_kind: dict[str, list[Candidate]]
    texts: dict[str, str]
    meta: dict[str, sqlite3.Row]


class TermStats:
    """Passage frequencies of index terms, read from FTS5's own vocabulary.

    ``fts5vocab`` is created in the connection's ``temp`` schema, so the
    store file is never modified; a lookup is one b-tree probe.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.medcite_vocab USING fts5vocab(main, passages_fts, 'row')")
        row = conn.execute("SELECT count(*) FROM passages").fetchone()
        self.n = max(1, int(row[0]))
        self._df: dict[str, int] = {}

    def df(self, term: str) -> int:
        if term not in self._df:
            row = self.conn.execute("SELECT doc FROM temp.medcite_vocab WHERE term = ?", (term,)).fetchone()
            self._df[term] = int(row[0]) if row else 0
        return self._df[term]

    def idf(self, term: str) -> float:
        """Robertson-Sparck Jones idf, floored at a small positive value."""
        df = self.df(term)
        return max(0.05, math.log((self.n - df + 0.5) / (df + 0.5) + 1.0))

    def rare(self, terms: Sequence[str], k: int) -> list[str]:
        """The ``k`` rarest terms that occur at all, rarest first."""
        present = [t for t in dict.fromkeys(terms) if self.df(t) > 0]
        return sorted(present, key=self.df)[:k]

    def head(self, terms: Sequence[str], ratio: float = 0) -> list[str]:
        """The specific head terms of a focus: what a passage must contain to be about it.

        A focus token is *generic* when it is a research head noun
        (:data:`GENERIC_HEADS`: "tool", "protein", "methodology") or at least
        ``ratio`` times as frequent as the focus's rarest token ("knockdown"
        next to "prkar1a"); the rest, rarest first, must be present. A token
        the corpus has never seen stays required, so an unknown name still
        abstains. The df ratio is the same signal as idf (Sparck Jones 1972):
        rare words carry the meaning of a phrase.
        """
        uniq = list(dict.fromkeys(terms))
        if len(uniq) <= 1:
            return uniq
        ratio = ratio or HEAD_DF_RATIO
        dfs = {t: self.df(t) for t in uniq}
        rarest = min(dfs.values())
        head = [t for t in uniq if t not in GENERIC_HEADS and dfs[t] <= max(1, rarest) * ratio]
        return sorted(head, key=dfs.__getitem__) or [min(uniq, key=dfs.__getitem__)]

    def selective(self, terms: Sequence[str], max_share: float = 0.08, k: int = 12) -> list[str]:
        """Boost terms worth scoring: frequent ones cost much and say little."""
        return [t for t in dict.fromkeys(terms) if 0 < self.df(t) <= max_share * self.n][:k]


def _groups_expr(groups: Sequence[Sequence[str]]) -> str:
    """``("a" AND "b") OR ("c" AND "d")``; a group longer than MAX_AND_TOKENS is OR-ed."""
    out: list[str] = []
    for toks in groups:
        toks = list(dict.fromkeys(toks))
        if not toks:
            continue
        joiner = " OR " if len(toks) > MAX_AND_TOKENS else " AND "
        out.append("(" + joiner.join(f'"{t}"' for t in toks) + ")")
    return " OR ".join(dict.fromkeys(out))


def _phrase_expr(phrases: Sequence[str]) -> str:
    """:func:`_groups_expr` over the tokens of ``phrases``."""
    return _groups_expr([tokenize(ph) for ph in phrases])


def build_expression(
    required: Sequence[str], boost: Sequence[str], qualifiers: Sequence[str] = (),
    *, groups: Sequence[Sequence[str]] | None = None,
) -> str:
    """An FTS5 MATCH expression: the required phrases, scored with the boost terms too.

    ``(req) AND (req-tokens OR boost)`` matches exactly what ``req`` matches,
    but FTS5's ``bm25()`` sums over every phrase of the expression, so boost
    terms raise passages that also speak to the facets asked. ``groups``
    (already tokenized) replaces ``required`` when given.
    """
    token_groups = [list(g) for g in groups] if groups is not None else [tokenize(ph) for ph in required]
    req = _groups_expr(token_groups)
    if not req:
        return ""
    req_tokens = [t for g in token_groups for t in g]
    extra = list(dict.fromkeys([*req_tokens, *boost]))[:24]
    expr = f"({req}) AND (" + " OR ".join(f'"{t}"' for t in extra) + ")"
    qual = _phrase_expr(qualifiers)
    if qual:
        expr = f"({expr}) AND ({qual})"
    return "{title recommendation body} : (" + expr + ")"


def search_expr(
    conn: sqlite3.Connection, expr: str, kind: SourceKind, k: int, *, per_doc: int = 10
) -> list[tuple[int, float]]:
    """``(passage_id, score)`` best first for an FTS5 expression within one kind.

    At most ``per_doc`` passages of one document are kept, so one long
    guideline cannot take every slot (the NICE varicose-vein guideline must
    still be seen next to the 100-recommendation SVS/AVF one).
    """
    if not expr:
        return []
    # Same column weights as the default backend (title 2, recommendation 1.2, body 1).
    sql = (
        "SELECT f.rowid, p.doc_id, -bm25(passages_fts, 2.0, 1.2, 1.0, 0.0) FROM passages_fts f "
        "JOIN passages p ON p.id = f.rowid "
        "WHERE passages_fts MATCH ? AND f.kind = ? ORDER BY bm25(passages_fts, 2.0, 1.2, 1.0, 0.0) LIMIT ?"
    )
    try:
        rows = conn.execute(sql, (expr, kind, k * 4)).fetchall()
    except sqlite3.OperationalError:
        return []  # a malformed expression (odd tokens) means no hits, not a crash
    out: list[tuple[int, float]] = []
    per: dict[str, int] = {}
    for pid, doc_id, score in rows:
        if per.get(doc_id, 0) >= per_doc:
            continue
        per[doc_id] = per.get(doc_id, 0) + 1
        out.append((int(pid), float(score)))
        if len(out) >= k:
            break
    return out


def _sentences_for(conn: sqlite3.Connection, hits: list[tuple[int, float]]) -> list[SentRow]:
    """``(doc_id, kind, section_idx, start, end, passage_score)`` of every sentence in the hits."""
    if not hits:
        return []
    score = dict(hits)
    marks = ",".join("?" * len(hits))
    rows = conn.execute(
        'SELECT p.id, p.doc_id, p.source_kind, s.section_idx, s.start, s."end" FROM passages p '
        "JOIN sentences s ON s.doc_id = p.doc_id AND s.section_idx = p.section_idx "
        f'AND s.start >= p.start AND s."end" <= p."end" WHERE p.id IN ({marks})',
        [h[0] for h in hits],
    ).fetchall()
    return [(r[1], r[2], r[3], r[4], r[5], score[r[0]]) for r in rows]


def _section_rows(conn: sqlite3.Connection, keys: set[tuple[str, int]]) -> dict[tuple[str, int], sqlite3.Row]:
    out: dict[tuple[str, int], sqlite3.Row] = {}
    by_doc: dict[str, list[int]] = {}
    for d, i in keys:
        by_doc.setdefault(d, []).append(i)
    for d, idxs in by_doc.items():
        marks = ",".join("?" * len(idxs))
        for r in conn.execute(
            f'SELECT doc_id, idx, heading, field, start, "end", grade, level, label FROM sections '
            f"WHERE doc_id = ? AND idx IN ({marks})",
            [d, *idxs],
        ):
            out[(r["doc_id"], r["idx"])] = r
    return out


def _is_item(line: str) -> bool:
    return line.lstrip().startswith(("- ", "• ", "* "))


def _line_start(text: str, pos: int, floor: int) -> int:
    return max(text.rfind("\n", floor, pos) + 1, floor)


def expand_list(text: str, start: int, end: int, sec_start: int, sec_end: int) -> tuple[int, int]:
    r"""Grow a span so a list lead-in ("... truncal reflux:") keeps its items and
    a bare list item ("- Offer endothermal ablation") gets its lead-in.

    Offsets stay inside the section, so the result is still one contiguous
    quote of the stored text; lists longer than ~900 characters are cut at
    an item boundary so quotes stay readable.

    Examples
    --------
    >>> t = "For people with reflux:\n- Offer ablation\n- Offer foam\nOther."
    >>> s, e = expand_list(t, 24, 40, 0, len(t)); t[s:e]
    'For people with reflux:\n- Offer ablation\n- Offer foam'
    """
    s, e = start, end
    if _is_item(text[s:e]):
        ls = _line_start(text, s, sec_start)
        while True:
            if ls <= sec_start:
                return start, end
            pls = _line_start(text, ls - 1, sec_start)
            prev = text[pls:ls - 1].strip()
            if prev.endswith(":"):
                s = pls
                break
            if not _is_item(prev) or start - pls > 600:
                return start, end
            ls = pls
        while s < e and text[s].isspace():
            s += 1
    if text[s:e].rstrip().endswith(":") or s != start:
        pos = text.find("\n", e, sec_end)
        while pos != -1:
            nls = pos + 1
            nle = text.find("\n", nls, sec_end)
            line_end = nle if nle != -1 else sec_end
            line = text[nls:line_end]
            if not _is_item(line) or line_end - s > 900:
                break
            e = nls + len(line.rstrip())
            pos = nle
    return s, e


def top_documents(conn: sqlite3.Connection, phrases: Sequence[str], kind: SourceKind, n: int) -> list[str]:
    """Documents of ``kind`` whose title (or a heading) holds one of ``phrases``, best first."""
    req = _phrase_expr(phrases)
    if not req:
        return []
    try:
        rows = conn.execute(
            "SELECT p.doc_id FROM passages_fts f JOIN passages p ON p.id = f.rowid "
            "WHERE passages_fts MATCH ? AND f.kind = ? ORDER BY bm25(passages_fts, 2.0, 1.2, 1.0, 0.0) LIMIT ?",
            ("{title} : (" + req + ")", kind, n * 40),
        ).fetchall()
    except sqlite3.OperationalError:
        return []
    return list(dict.fromkeys(r[0] for r in rows))[:n]


def sweep(conn: sqlite3.Connection, doc_ids: Sequence[str], per_doc: int = SWEEP_PER_DOC) -> list[SentRow]:
    """Every recommendation sentence of a few guidelines squarely about the focus.

    BM25 ranks a guideline's passages by how often they repeat the query
    words, which buries a short recommendation such as "If endothermal
    ablation is unsuitable, offer ultrasound-guided foam sclerotherapy"; for
    the few guidelines whose *title* names the focus, every graded
    recommendation is a candidate and the sentence scorer decides.
    """
    out: list[SentRow] = []
    for d in doc_ids:
        rows = conn.execute(
            'SELECT s.doc_id, s.section_idx, s.start, s."end" FROM sentences s JOIN sections c '
            "ON c.doc_id = s.doc_id AND c.idx = s.section_idx WHERE s.doc_id = ? AND c.field = 'recommendation' "
            "ORDER BY s.idx LIMIT ?",
            (d, per_doc),
        ).fetchall()
        out += [(r[0], "guideline", r[1], r[2], r[3], 0.0) for r in rows]
    return out


def gather(
    conn: sqlite3.Connection,
    fetch_text: dict[str, str],
    groups: list[tuple[SourceKind, list[tuple[int, float]], bool]],
    extra: Sequence[SentRow] = (),
) -> list[Candidate]:
    """Turn passage hits (and swept sentences) into candidates, deduplicated by span."""
    sents: list[tuple[str, str, int, int, int, float, bool]] = []
    for _kind, hits, rel in groups:
        sents += [(*row, rel) for row in _sentences_for(conn, hits)]
    sents += [(*row, False) for row in extra]
    sec_rows = _section_rows(conn, {(s[0], s[2]) for s in sents})
    for doc_id in {s[0] for s in sents} - fetch_text.keys():
        row = conn.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
        fetch_text[doc_id] = str(row[0]) if row else ""
    seen: dict[tuple[str, int, int], Candidate] = {}
    for doc_id, kind, si, s0, e0, pscore, rel in sents:
        sec = sec_rows.get((doc_id, si))
        if sec is None:
            continue
        text = fetch_text[doc_id]
        s, e = expand_list(text, s0, e0, int(sec["start"]), int(sec["end"]))
        key = (doc_id, s, e)
        if key in seen:
            c = seen[key]
            c.passage_score = max(c.passage_score, pscore)
            c.via_related = c.via_related and rel
            continue
        seen[key] = Candidate(
            doc_id=doc_id, source_kind=kind,  # type: ignore[arg-type]
            start=s, end=e, text=text[s:e], section_idx=si, heading=sec["heading"], field=sec["field"],
            grade=sec["grade"], level=sec["level"], label=sec["label"], passage_score=pscore, via_related=rel,
            sec_start=int(sec["start"]),
        )
    # A list lead-in and its items can now overlap: keep the widest span.
    out = sorted(seen.values(), key=lambda c: (c.doc_id, c.start, -(c.end - c.start)))
    kept: list[Candidate] = []
    for c in out:
        if kept and kept[-1].doc_id == c.doc_id and c.start >= kept[-1].start and c.end <= kept[-1].end:
            kept[-1].passage_score = max(kept[-1].passage_score, c.passage_score)
            continue
        kept.append(c)
    return kept
