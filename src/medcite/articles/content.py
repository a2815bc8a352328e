"""Pure functions over article JSON (the :mod:`medcite.render.json` contract).

Statements are addressed by a section path (``"1"`` is the second top-level
section, ``"1.0"`` its first subsection) and an index within that section.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from medcite.verify import CitedQuote, Verdict, Verifier

#: Keys that change on every generation without changing what the article says.
VOLATILE_KEYS = ("generated_at", "thread_id")

MAX_STATEMENT_CHARS = 4000


class EditError(ValueError):
    """A statement edit that would break the article (unknown statement, bad citation)."""


def content_hash(article: dict[str, Any]) -> str:
    """A hash of what the article says; equal hash means regeneration changed nothing."""
    stable = {k: v for k, v in article.items() if k not in VOLATILE_KEYS}
    payload = json.dumps(stable, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def iter_statements(article: dict[str, Any]) -> Iterator[tuple[str, int, list[str], dict[str, Any]]]:
    """``(section_path, index, title_trail, statement)`` for every statement, in reading order."""

    def walk(sections: list[dict[str, Any]], prefix: str, trail: list[str]) -> Iterator[
        tuple[str, int, list[str], dict[str, Any]]
    ]:
        for i, sec in enumerate(sections):
            path = f"{prefix}{i}"
            here = [*trail, str(sec.get("title", ""))]
            for j, st in enumerate(sec.get("statements", [])):
                yield path, j, here, st
            yield from walk(sec.get("subsections", []), path + ".", here)

    yield from walk(article.get("sections", []), "", [])


def find_statement(article: dict[str, Any], section: str, statement: int) -> dict[str, Any]:
    """The statement object at ``section``/``statement`` (raises :class:`EditError`)."""
    stmts = _section_node(article, section).get("statements", [])
    if statement < 0 or statement >= len(stmts):
        raise EditError(f"section {section!r} has no statement {statement}")
    stmt: dict[str, Any] = stmts[statement]  # the live object: apply_edit edits its own copy
    return stmt


def apply_edit(
    article: dict[str, Any], section: str, statement: int, text: str, citations: list[int] | None = None,
    *, verifier: Verifier | None = None, actor: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A copy of ``article`` with one statement's text (and optionally citations) replaced.

    The citations must stay valid: every number must name a reference of the
    article *and* one of the statement's own evidence quotes, so an editor can
    reword or drop a citation but never attach a source that does not say it.
    A statement in an evidence section may not lose all its citations.

    Returns
    -------
    (new_article, before, after)
        ``before``/``after`` are the statement objects, for the audit log.
    """
    text = " ".join(text.split())
    if not text:
        raise EditError("the statement text is empty")
    if len(text) > MAX_STATEMENT_CHARS:
        raise EditError(f"the statement is longer than {MAX_STATEMENT_CHARS} characters")
    new = copy.deepcopy(article)
    st = find_statement(new, section, statement)
    before = copy.deepcopy(st)
    if citations is not None:
        refs = {int(r["n"]) for r in new.get("references", [])}
        quoted = {int(q["ref"]) for q in st.get("evidence", [])}
        bad = [c for c in citations if c not in refs or c not in quoted]
        if bad:
            raise EditError(
                f"citation(s) {bad} are not evidence for this statement; allowed: {sorted(quoted & refs)}"
            )
        if before.get("citations") and not citations:
            raise EditError("a cited statement must keep at least one citation")
        st["citations"] = list(dict.fromkeys(citations))
    st["text"] = text
    st["edited"] = True
    if actor:
        st["edited_by"] = actor
    if verifier is not None:
        # The edited text must still say what its cited quotes say (issue 10); a failed check is
        # kept on the statement and blocks approval until a reviewer records a reason.
        st["verification"] = verify_statement(new, section, st, verifier).to_dict()
    else:
        st.pop("verification", None)
    return new, before, copy.deepcopy(st)


def verify_statement(article: dict[str, Any], section: str, st: dict[str, Any], verifier: Verifier) -> Verdict:
    """Check a statement against the quotes it cites, with their sources' kinds and its section's kind."""
    kinds = {int(r["n"]): r.get("source_kind") for r in article.get("references", [])}
    cited = set(st.get("citations", []))
    quotes = [CitedQuote(str(q["quote"]), kinds.get(int(q["ref"])), int(q["ref"]))
              for q in st.get("evidence", []) if int(q["ref"]) in cited]
    top = article.get("sections", [])[int(section.split(".")[0])] if article.get("sections") else {}
    section_kind = "guideline" if str(top.get("kind", "")).startswith("guideline") else None
    return verifier.verify(str(st.get("text", "")), quotes, section_kind=section_kind)


def unverified(article: dict[str, Any]) -> list[tuple[str, int, list[str]]]:
    """Edited statements that failed verification and have no recorded reason: ``(section, index, reasons)``."""
    out = []
    for path, j, _trail, st in iter_statements(article):
        v = st.get("verification")
        if v and not v.get("supported") and not v.get("accepted"):
            out.append((path, j, [c["detail"] for c in v.get("checks", []) if not c.get("ok")]))
    return out


@dataclass(slots=True)
class Changed:
    """The result of a statement change: the new article and what the edit and audit logs record."""

    content: dict[str, Any]
    action: str
    section: str
    statement: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    #: Whether it is a change of wording, listed under "Tracked edits" (a recorded reason is not).
    tracked: bool = True


#: A reviewer's change: article JSON in, :class:`Changed` out (pure; raises :class:`EditError`).
StatementChange = Callable[[dict[str, Any]], Changed]


def reword(article: dict[str, Any], section: str, statement: int, text: str, citations: list[int] | None = None,
           *, verifier: Verifier | None = None, actor: str | None = None) -> Changed:
    """:func:`apply_edit` as a :data:`StatementChange`."""
    new, before, after = apply_edit(article, section, statement, text, citations, verifier=verifier, actor=actor)
    return Changed(new, "edit-statement", section, statement, before, after)


def accept_statement(article: dict[str, Any], section: str, statement: int, reason: str, actor: str) -> Changed:
    """A statement that failed verification gets the reviewer's reason why it is right."""
    reason = " ".join(reason.split())
    if not reason:
        raise EditError("give the reason the statement is right although its quotes do not show it")
    new = copy.deepcopy(article)
    st = find_statement(new, section, statement)
    v = st.get("verification")
    if not v or v.get("supported"):
        raise EditError("this statement passed verification (or was not edited); nothing to accept")
    v["accepted"] = {"by": actor, "reason": reason[:MAX_STATEMENT_CHARS]}
    after = {"text": st.get("text"), "reason": v["accepted"]["reason"],
             "failed": [c["detail"] for c in v.get("checks", []) if not c.get("ok")]}
    return Changed(new, "accept-unverified-statement", section, statement, None, after, tracked=False)


def delete_statement(article: dict[str, Any], section: str, statement: int) -> Changed:
    """Remove a statement (its reference stays listed: other statements or the record may cite it)."""
    new = copy.deepcopy(article)
    find_statement(new, section, statement)  # raises for a bad address
    node = _section_node(new, section)
    before = node["statements"].pop(statement)
    return Changed(new, "delete-statement", section, statement, before, {"text": ""})


def add_statement(article: dict[str, Any], section: str, quote: dict[str, Any], *, actor: str) -> Changed:
    """Add a sentence of a cited source, word for word, at the end of ``section``.

    ``quote`` (``ref``, ``doc_id``, ``quote``, ``start``, ``end``) must be the source's text at those
    offsets (the caller reads it from the store) and ``ref`` a reference of the article for that document.
    """
    new = copy.deepcopy(article)
    node = _section_node(new, section)
    refs = {int(r["n"]): r for r in new.get("references", [])}
    ref = int(quote.get("ref", 0))
    if ref not in refs or refs[ref].get("doc_id") != quote.get("doc_id"):
        raise EditError(f"reference {ref} is not {quote.get('doc_id')!r}; add sentences from the cited sources")
    text = str(quote.get("quote", "")).strip()
    if not text:
        raise EditError("the chosen sentence is empty")
    st = {"text": text, "citations": [ref], "facet": "other", "edited": True, "added": True, "edited_by": actor,
          "evidence": [{"ref": ref, "doc_id": quote["doc_id"], "quote": text, "start": int(quote["start"]),
                        "end": int(quote["end"])}]}
    node.setdefault("statements", []).append(st)
    return Changed(new, "add-statement", section, len(node["statements"]) - 1, None, copy.deepcopy(st))


def _section_node(article: dict[str, Any], section: str) -> dict[str, Any]:
    try:
        parts = [int(p) for p in section.split(".")]
    except ValueError as exc:
        raise EditError(f"bad section path {section!r}; use e.g. '0' or '1.2'") from exc
    secs: list[dict[str, Any]] = article.get("sections", [])
    node: dict[str, Any] | None = None
    for p in parts:
        if p < 0 or p >= len(secs):
            raise EditError(f"no section {section!r}")
        node = secs[p]
        secs = node.get("subsections", [])
    assert node is not None
    return node


def provenance(article: dict[str, Any]) -> dict[str, Any]:
    """What the reader should know about where each statement's words come from."""
    quoted = edited = failed = added = 0
    editors: list[str] = []
    accepted: list[dict[str, str]] = []
    for _path, _j, _trail, st in iter_statements(article):
        if st.get("edited_by") and (st.get("edited") or st.get("added")) and st["edited_by"] not in editors:
            editors.append(str(st["edited_by"]))
        if st.get("added"):  # a source sentence a reviewer added: still word for word
            added += 1
        if not st.get("edited") or st.get("added"):
            quoted += 1
            continue
        edited += 1
        v = st.get("verification") or {}
        if v and not v.get("supported"):
            failed += 1
            if v.get("accepted"):
                accepted.append({"text": str(st.get("text", "")), "by": str(v["accepted"]["by"]),
                                 "reason": str(v["accepted"]["reason"])})
    return {"quoted": quoted, "edited": edited, "added": added, "editors": editors, "failed": failed,
            "accepted": accepted}


def validate_citations(article: dict[str, Any]) -> list[str]:
    """Problems with the article's citations (empty when every citation resolves)."""
    refs = {int(r["n"]) for r in article.get("references", [])}
    problems: list[str] = []
    for path, j, _trail, st in iter_statements(article):
        for c in st.get("citations", []):
            if c not in refs:
                problems.append(f"section {path} statement {j}: citation {c} has no reference")
        for q in st.get("evidence", []):
            if int(q["ref"]) not in refs:
                problems.append(f"section {path} statement {j}: evidence ref {q['ref']} has no reference")
    return problems


@dataclass(slots=True)
class DiffLine:
    op: str  # "equal" | "insert" | "delete"
    text: str


def statement_lines(article: dict[str, Any]) -> list[str]:
    """The article as one line per statement, prefixed with its section trail."""
    lines = []
    for _path, _j, trail, st in iter_statements(article):
        cites = ", ".join(str(c) for c in st.get("citations", []))
        lines.append(f"{' › '.join(trail)}: {st.get('text', '')}" + (f" [{cites}]" if cites else ""))
    for r in article.get("references", []):
        lines.append(f"Reference {r.get('n')}: {r.get('title', '')} ({r.get('doc_id', '')})")
    return lines


def diff_articles(old: dict[str, Any], new: dict[str, Any]) -> list[DiffLine]:
    """A statement-level diff (difflib's Ratcliff/Obershelp matching over statement lines)."""
    a, b = statement_lines(old), statement_lines(new)
    out: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.extend(DiffLine("equal", t) for t in a[i1:i2])
        else:
            out.extend(DiffLine("delete", t) for t in a[i1:i2])
            out.extend(DiffLine("insert", t) for t in b[j1:j2])
    return out


#: The clause of the generated disclaimer that stops being true once statements are edited or written.
QUOTED_CLAUSE = "every statement is quoted from the cited source"


def honest_disclaimer(article: dict[str, Any]) -> str:
    """The article's disclaimer, saying exactly what was quoted, edited (by whom) and written by a model."""
    text = str(article.get("disclaimer", ""))
    prov = provenance(article)
    written = sum(1 for _p, _j, _t, st in iter_statements(article) if st.get("generated"))
    if not prov["edited"] and not written:
        return text
    parts = [f"{prov['quoted'] - written} statements are quoted word for word from the cited sources"]
    if prov["edited"]:
        by = ", ".join(prov["editors"]) or "a reviewer"
        parts.append(f"{prov['edited']} were reworded by {by} and checked against their quotes"
                     + (f" ({prov['failed']} did not pass; the reasons are shown)" if prov["failed"] else ""))
    if written:
        parts.append(f"{written} in the summary were written by a language model and each checked against the "
                     "quotes it cites")
    precise = "; ".join(parts)
    return text.replace(QUOTED_CLAUSE, precise) if QUOTED_CLAUSE in text else f"{text} {precise[0].upper()}{precise[1:]}."
