"""The evidence repository: sentences, sections and metadata by id, over the SQLite store.

The answer pipeline depends on :class:`medcite.answer.ports.Repository`, not
on this class or on SQL, so a document service or a sharded store can stand
in for it. All answer-side SQL lives here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import cast

from medcite.answer.ports import DocMeta, LexiconEntry, SentenceRecord
from medcite.model import FieldName, SourceKind
from medcite.store.db import Store


def _json_list(value: object) -> list[str]:
    try:
        got = json.loads(str(value or "[]"))
    except json.JSONDecodeError:
        return []
    return [str(x) for x in got] if isinstance(got, list) else []


class StoreRepository:
    """:class:`~medcite.answer.ports.Repository` over a :class:`~medcite.store.db.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def sentences_of_passages(self, passage_ids: Sequence[int]) -> list[SentenceRecord]:
        """Every sentence inside the given passages, in document order, with its section's provenance."""
        out: list[SentenceRecord] = []
        ids = list(dict.fromkeys(passage_ids))
        conn = self.store.conn
        for i in range(0, len(ids), 400):
            chunk = ids[i:i + 400]
            rows = conn.execute(
                'SELECT p.id AS pid, p.doc_id, p.source_kind, s.idx, s.section_idx, s.start, s."end", '
                "substr(d.text, s.start + 1, s.\"end\" - s.start) AS stext, sec.heading, sec.field, sec.grade, "
                "sec.level, sec.label, d.title "
                "FROM passages p JOIN sentences s ON s.doc_id = p.doc_id AND s.section_idx = p.section_idx "
                'AND s.start >= p.start AND s."end" <= p."end" '
                "JOIN sections sec ON sec.doc_id = p.doc_id AND sec.idx = p.section_idx "
                "JOIN documents d ON d.id = p.doc_id "
                f"WHERE p.id IN ({','.join('?' * len(chunk))}) ORDER BY p.doc_id, s.idx",
                chunk,
            )
            for r in rows:
                out.append(SentenceRecord(
                    passage_id=int(r["pid"]), doc_id=str(r["doc_id"]),
                    source_kind=cast(SourceKind, r["source_kind"]), idx=int(r["idx"]),
                    section_idx=int(r["section_idx"]), start=int(r["start"]), end=int(r["end"]),
                    text=str(r["stext"]), heading=str(r["heading"] or ""), field=cast(FieldName, r["field"]),
                    grade=r["grade"], level=r["level"], label=r["label"], title=str(r["title"]),
                ))
        return out

    def following(self, sentence: SentenceRecord, limit: int) -> list[tuple[SentenceRecord, str]]:
        """The next ``limit`` sentences of ``sentence``'s section, each with the text from
        ``sentence.start`` to its own end (sentences are read through the passage holding them)."""
        rows = self.store.conn.execute(
            'SELECT p.id AS pid, s.idx, s.start, s."end", '
            'substr(d.text, s.start + 1, s."end" - s.start) AS stext, '
            'substr(d.text, ? + 1, s."end" - ?) AS span '
            "FROM sentences s JOIN passages p ON p.doc_id = s.doc_id AND p.section_idx = s.section_idx "
            'AND s.start >= p.start AND s."end" <= p."end" '
            "JOIN documents d ON d.id = s.doc_id "
            "WHERE s.doc_id = ? AND s.section_idx = ? AND s.idx > ? ORDER BY s.idx LIMIT ?",
            (sentence.start, sentence.start, sentence.doc_id, sentence.section_idx, sentence.idx, limit),
        )
        out: list[tuple[SentenceRecord, str]] = []
        for r in rows:
            rec = SentenceRecord(
                passage_id=int(r["pid"]), doc_id=sentence.doc_id, source_kind=sentence.source_kind,
                idx=int(r["idx"]), section_idx=sentence.section_idx, start=int(r["start"]), end=int(r["end"]),
                text=str(r["stext"]), heading=sentence.heading, field=sentence.field, grade=sentence.grade,
                level=sentence.level, label=sentence.label, title=sentence.title,
            )
            if out and out[-1][0].idx == rec.idx:
                continue  # a sentence inside two overlapping passages
            out.append((rec, str(r["span"])))
        return out

    def documents(self, doc_ids: Sequence[str]) -> dict[str, DocMeta]:
        out: dict[str, DocMeta] = {}
        for doc_id, r in self.store.document_meta(doc_ids).items():
            try:
                extra = json.loads(r["extra"] or "{}")
            except json.JSONDecodeError:
                extra = {}
            extra = extra if isinstance(extra, dict) else {}
            out[doc_id] = DocMeta(
                doc_id=doc_id, source_kind=cast(SourceKind, r["source_kind"]), title=str(r["title"]),
                year=r["year"], url=r["url"], pmid=r["pmid"], doi=r["doi"], authors=tuple(_json_list(r["authors"])),
                developer=r["developer"], journal=r["journal"],
                publication_types=tuple(_json_list(r["publication_types"])), mesh_terms=tuple(_json_list(r["mesh_terms"])),
                conditions=tuple(_conditions(extra)), version=str(r["text_hash"] or ""),
            )
        return out

    def lexicon(self, terms: Sequence[str]) -> list[LexiconEntry]:
        """Entries whose term is one of ``terms`` (lower-cased), with how many documents give each.

        A page declares its other names ("Vexoma, also called kennel tumour"): each is a name of the
        other, so a question that names the page's subject may also reach what the others call it. Those
        come after the entries proper, as kind "alias" (the synonym read the other way round).
        """
        uniq = list(dict.fromkeys(t.lower() for t in terms if t))
        out: list[LexiconEntry] = []
        for i in range(0, len(uniq), 400):
            chunk = uniq[i:i + 400]
            marks = ",".join("?" * len(chunk))
            rows = self.store.conn.execute(
                "SELECT kind, term, expansion, n FROM ("
                "SELECT kind, term, expansion, count(DISTINCT doc_id) AS n, 0 AS alias FROM lexicon "
                f"WHERE term IN ({marks}) GROUP BY kind, term, lower(expansion) "
                "UNION ALL "
                "SELECT 'alias', lower(expansion), term, count(DISTINCT doc_id), 1 FROM lexicon "
                f"WHERE kind = 'synonym' AND lower(expansion) IN ({marks}) GROUP BY lower(expansion), term"
                ") ORDER BY alias, n DESC",
                [*chunk, *chunk],
            )
            out += [LexiconEntry(str(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]
        return out

    def short_forms(self, words: Sequence[str]) -> list[LexiconEntry]:
        """Abbreviation entries whose long form holds one of ``words`` (as a substring, lower case),
        with how many documents define each."""
        out: list[LexiconEntry] = []
        for w in dict.fromkeys(x.lower() for x in words if len(x) >= 4):
            rows = self.store.conn.execute(
                "SELECT kind, term, lower(expansion), count(DISTINCT doc_id) AS n FROM lexicon "
                "WHERE kind = 'abbreviation' AND lower(expansion) LIKE ? GROUP BY term, lower(expansion) "
                "ORDER BY n DESC LIMIT 20",
                (f"%{w}%",),
            )
            out += [LexiconEntry(str(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]
        return out

    def abbreviations(self, doc_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """The short forms each document defines ("CDI (Clostridium difficile infection)")."""
        uniq = list(dict.fromkeys(doc_ids))
        out: dict[str, dict[str, str]] = {}
        for i in range(0, len(uniq), 400):
            chunk = uniq[i:i + 400]
            rows = self.store.conn.execute(
                "SELECT doc_id, term, expansion FROM lexicon "
                f"WHERE kind = 'abbreviation' AND doc_id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for doc_id, term, expansion in rows:
                out.setdefault(str(doc_id), {}).setdefault(str(term), str(expansion))
        return out


def _conditions(extra: dict[str, object]) -> list[str]:
    out: list[str] = []
    for key in ("conditions", "focus", "disease_condition"):
        v = extra.get(key)
        if isinstance(v, str):
            out += [c.strip() for c in v.replace(";", ",").split(",") if c.strip()]
        elif isinstance(v, list):
            out += [str(c) for c in v if isinstance(c, str)]
    return out
