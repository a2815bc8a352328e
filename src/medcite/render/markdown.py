"""Article -> Markdown (what ``medcite ask`` prints by default).

Statement text is the source sentence; only whitespace is normalised for
display (a list's line breaks become " • ") and citations are appended as
``[n]``. Research statements show their study's design and year.
"""

from __future__ import annotations

import re

from medcite.model import Article, ArticleSection, Reference, Statement


def _display(text: str) -> str:
    text = re.sub(r"\s*\n\s*[-•*]\s+", " • ", text)
    return " ".join(text.split())


def _cite(st: Statement) -> str:
    marks = "".join(f" [{n}]" for n in st.citations)
    return marks + (" (written from the cited evidence, checked)" if st.generated else "")


def _study_tag(st: Statement, refs: dict[int, Reference]) -> str:
    tags = []
    for n in st.citations:
        r = refs.get(n)
        if r is None:
            continue
        bits = [b for b in (r.evidence_level, str(r.year) if r.year else None) if b]
        if bits:
            tags.append(", ".join(bits))
    return f"*({'; '.join(dict.fromkeys(tags))})* " if tags else ""


def _section(sec: ArticleSection, depth: int, refs: dict[int, Reference], out: list[str]) -> None:
    out.append("#" * min(depth, 6) + " " + sec.title)
    out.append("")
    if sec.note and sec.kind != "related":
        out.append(f"> {sec.note}" if sec.kind != "abstention" else sec.note)
        out.append("")
    if sec.statements:
        if sec.kind in ("key_points", "related"):
            if sec.kind == "related" and sec.note:
                out.append(sec.note)
                out.append("")
            out += [f"- {_display(st.text)}{_cite(st)}" for st in sec.statements]
        elif sec.kind == "research":
            out += [f"- {_study_tag(st, refs)}{_display(st.text)}{_cite(st)}" for st in sec.statements]
        elif depth <= 2:
            # The lead paragraph: statements read as one paragraph.
            out.append(" ".join(f"{_display(st.text)}{_cite(st)}" for st in sec.statements))
        else:
            out += [f"- {_display(st.text)}{_cite(st)}" for st in sec.statements]
        out.append("")
    for sub in sec.subsections:
        _section(sub, depth + 1, refs, out)


def _reference(r: Reference) -> str:
    who = r.developer or (", ".join(r.authors[:3]) + (" et al." if len(r.authors) > 3 else "") if r.authors else "")
    parts = [p for p in (who, f"*{r.title.rstrip('.')}*", r.journal, str(r.year) if r.year else None) if p]
    ids = []
    if r.pmid:
        ids.append(f"PMID {r.pmid}")
    if r.doi:
        ids.append(f"doi:{r.doi}")
    if r.url:
        ids.append(f"<{r.url}>")
    kind = {"guideline": "Guideline", "research": "Study", "patient-info": "Patient information"}[r.source_kind]
    level = f"Evidence: {r.evidence_level}. " if r.evidence_level else ""
    return f"{r.n}. {'. '.join(parts)}. {' · '.join(ids)}{' · ' if ids else ''}{kind}. {level}`{r.doc_id}`".replace(
        ". .", "."
    )


def render_markdown(article: Article) -> str:
    """The whole article as Markdown."""
    refs = {r.n: r for r in article.references}
    out = [f"# {article.question}", ""]
    if not article.answerable:
        out += ["**The evidence in this corpus does not cover this question.**", ""]
        out += [f"_{n}_" for n in article.notes]
        out += ["", "## Disclaimer", "", article.disclaimer, ""]
        return "\n".join(out).rstrip() + "\n"
    for sec in article.sections:
        _section(sec, 2, refs, out)
    if article.notes:
        out += ["## Notes", ""] + [f"- {n}" for n in article.notes] + [""]
    if article.references:
        out += ["## References", ""] + [_reference(r) for r in article.references] + [""]
    title = "Professional Medical Disclaimer" if article.audience == "clinician" else "Please Note"
    out += [f"## {title}", "", article.disclaimer, ""]
    if article.follow_up_questions:
        out += ["## Follow-up Questions", ""] + [f"- {q}" for q in article.follow_up_questions] + [""]
    return "\n".join(out).rstrip() + "\n"
