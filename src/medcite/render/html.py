"""Article → HTML. Every piece of source or user text goes through :func:`markupsafe.escape`.

:func:`render_article_html` returns either a standalone page (``medcite ask
--format html``) or, with ``standalone=False``, the article body that the web
app's templates embed.

Citations are progressive enhancement: each number is a link to the source
document page with the quoted sentence highlighted, so it works without
JavaScript; next to it sits a hidden ``<div class="evidence">`` with the exact
quote and the document's metadata, which the web app's script shows as a
popover.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from urllib.parse import quote as urlquote

from markupsafe import Markup, escape

from medcite.model import Article, ArticleSection, Quote, Reference, Statement

#: Section kinds rendered as bullet lists rather than paragraphs.
LIST_KINDS = frozenset({"key_points", "related"})

SOURCE_KIND_LABELS = {"guideline": "Guideline", "research": "Research", "patient-info": "Patient information"}

DocumentUrl = Callable[[Quote], str]


def quote_digest(quote: str) -> str:
    """A short fingerprint of a quote, carried in citation links so the source page can check its highlight.

    The source may have changed since the article quoted it; with the
    fingerprint the page highlights the offsets only when they still hold the
    quoted text, finds the quoted sentence if it moved, and otherwise says so.
    A fingerprint rather than the quote itself, so that a crafted link cannot
    show made-up "quoted" text on a medcite page.

    >>> quote_digest("Statins are recommended.")
    'be73fdcac67a'
    """
    return hashlib.sha256(" ".join(quote.split()).encode("utf-8", "surrogatepass")).hexdigest()[:12]


def default_document_url(q: Quote) -> str:
    """The web app's source page for a quote: ``/documents/{id}?start=&end=&quote=#quote``."""
    return (f"/documents/{urlquote(q.doc_id, safe=':')}?start={q.start}&end={q.end}"
            f"&quote={quote_digest(q.quote)}#quote")


def safe_url(url: str | None) -> str | None:
    """``url`` if it is http(s), else None (no ``javascript:`` links from source metadata).

    >>> safe_url("javascript:alert(1)") is None, safe_url("https://x.org/a")
    (True, 'https://x.org/a')
    """
    if not url:
        return None
    u = url.strip()
    return u if u.lower().startswith(("https://", "http://")) else None


def pubmed_url(pmid: str | None) -> str | None:
    return f"https://pubmed.ncbi.nlm.nih.gov/{urlquote(pmid.strip())}/" if pmid and pmid.strip().isdigit() else None


def doi_url(doi: str | None) -> str | None:
    return f"https://doi.org/{urlquote(doi.strip(), safe='/:;()._-')}" if doi and doi.strip().startswith("10.") else None


def reference_byline(ref: Reference) -> str:
    """"Developer" or "First author et al.", journal and year, as plain text."""
    parts: list[str] = []
    if ref.developer:
        parts.append(ref.developer)
    elif ref.authors:
        parts.append(ref.authors[0] + (" et al." if len(ref.authors) > 1 else ""))
    if ref.journal:
        parts.append(ref.journal)
    if ref.year:
        parts.append(str(ref.year))
    return ". ".join(p.rstrip(".") for p in parts)


def _evidence_block(ev_id: str, q: Quote, ref: Reference | None, href: str) -> str:
    meta = ""
    if ref is not None:
        kind = SOURCE_KIND_LABELS.get(ref.source_kind, ref.source_kind)
        level = f' <span class="level">{escape(ref.evidence_level)}</span>' if ref.evidence_level else ""
        byline = reference_byline(ref)
        meta = (
            f'<p class="ev-meta"><span class="kind kind-{escape(ref.source_kind)}">{escape(kind)}</span>{level}</p>'
            f'<p class="ev-title">{escape(ref.title)}</p>'
            + (f'<p class="ev-byline">{escape(byline)}</p>' if byline else "")
        )
    return (
        f'<div class="evidence" id="{ev_id}" hidden>'
        f'<blockquote cite="{escape(href)}">{escape(q.quote)}</blockquote>{meta}'
        f'<p class="ev-link"><a href="{escape(href)}">View in source ({escape(q.doc_id)})</a></p></div>'
    )


class _Renderer:
    def __init__(self, article: Article, document_url: DocumentUrl | None) -> None:
        self.article = article
        self.refs = {r.n: r for r in article.references}
        # Without a document server (a standalone file), citations point at the reference list.
        self.local_copies = document_url is not None
        self.document_url: DocumentUrl = document_url or (lambda q: f"#ref-{q.ref}")
        self.counter = 0

    def statement(self, st: Statement, sid: str) -> tuple[str, str]:
        """The statement's inline HTML and its hidden evidence blocks."""
        cites: list[str] = []
        blocks: list[str] = []
        for n in st.citations:
            quotes = [q for q in st.evidence if q.ref == n]
            ref = self.refs.get(n)
            if quotes:
                q = quotes[0]
                href = self.document_url(q)
                self.counter += 1
                ev_id = f"ev-{sid}-{n}"
                blocks.append(_evidence_block(ev_id, q, ref, href))
                cites.append(
                    f'<a class="cite" href="{escape(href)}" data-ev="{ev_id}" '
                    f'aria-label="Source {n}: {escape(ref.title if ref else q.doc_id)}">{n}</a>'
                )
            else:  # a citation without a quote still points at its reference
                cites.append(f'<a class="cite" href="#ref-{n}" aria-label="Reference {n}">{n}</a>')
        edited = ' <span class="edited" title="Edited by a reviewer">edited</span>' if st.edited else ""
        if st.generated:  # written by a language model: say from which sources, and that it was checked
            src = ", ".join(f"[{n}]" for n in st.citations)
            edited += (f' <span class="generated" title="Written by a language model and checked against the '
                       f'quotes it cites">written from {escape(src)}</span>')
        sup = f'<sup class="cites">{", ".join(cites)}</sup>' if cites else ""
        return f'<span class="statement" id="st-{sid}">{escape(st.text)}{sup}{edited}</span>', "".join(blocks)

    def section(self, sec: ArticleSection, path: str, depth: int) -> str:
        h = min(2 + depth, 4)
        out = [f'<section class="sec sec-{escape(sec.kind)}" id="sec-{path}">',
               f"<h{h}>{escape(sec.title)}</h{h}>"]
        if sec.note:
            out.append(f'<p class="note">{escape(sec.note)}</p>')
        rendered = [self.statement(st, f"{path.replace('.', '-')}-{j}") for j, st in enumerate(sec.statements)]
        if rendered:
            if sec.kind in LIST_KINDS:
                out.append('<ul class="points">' + "".join(f"<li>{s}</li>" for s, _ in rendered) + "</ul>")
            else:
                out.append('<p class="para">' + " ".join(s for s, _ in rendered) + "</p>")
            out.append("".join(b for _, b in rendered))
        for i, sub in enumerate(sec.subsections):
            out.append(self.section(sub, f"{path}.{i}", depth + 1))
        out.append("</section>")
        return "".join(out)

    def references(self) -> str:
        if not self.article.references:
            return ""
        items = []
        for r in self.article.references:
            links = []
            for label, url in (("PubMed", pubmed_url(r.pmid)), ("DOI", doi_url(r.doi)), ("Source", safe_url(r.url))):
                if url:
                    links.append(f'<a href="{escape(url)}" rel="noopener noreferrer">{label}</a>')
            if self.local_copies:
                local = self.document_url(Quote(ref=r.n, doc_id=r.doc_id, quote="", start=0, end=0)).split("?")[0]
                links.append(f'<a href="{escape(local)}">Stored copy</a>')
            byline = reference_byline(r)
            level = f' <span class="level">{escape(r.evidence_level)}</span>' if r.evidence_level else ""
            kind = SOURCE_KIND_LABELS.get(r.source_kind, r.source_kind)
            items.append(
                f'<li id="ref-{r.n}"><span class="ref-title">{escape(r.title)}</span>'
                + (f' <span class="ref-byline">{escape(byline)}.</span>' if byline else "")
                + f' <span class="kind kind-{escape(r.source_kind)}">{escape(kind)}</span>{level}'
                + f' <span class="ref-links">{" · ".join(links)}</span></li>'
            )
        return '<section class="references" id="references"><h2>References</h2><ol>' + "".join(items) + "</ol></section>"


def render_body(article: Article, *, document_url: DocumentUrl | None = default_document_url) -> Markup:
    """The article's sections, notes, references and disclaimer (no title, no page chrome)."""
    r = _Renderer(article, document_url)
    parts: list[str] = []
    if not article.answerable:
        parts.append('<div class="unanswerable"><h2>No answer from the corpus</h2>'
                     + "".join(f"<p>{escape(n)}</p>" for n in article.notes) + "</div>")
    elif article.notes:
        parts.append('<div class="notes">' + "".join(f"<p>{escape(n)}</p>" for n in article.notes) + "</div>")
    parts.extend(r.section(sec, str(i), 0) for i, sec in enumerate(article.sections))
    parts.append(r.references())
    if article.disclaimer:
        title = "Professional Medical Disclaimer" if article.audience == "clinician" else "Medical Disclaimer"
        parts.append(f'<section class="disclaimer"><h2>{title}</h2><p>{escape(article.disclaimer)}</p></section>')
    return Markup('<div class="article-body">' + "".join(parts) + "</div>")


_STANDALONE_CSS = """
body{font:17px/1.6 Georgia,'Times New Roman',serif;color:#1d2731;max-width:46rem;margin:2rem auto;padding:0 1rem}
h1{font:600 2rem/1.25 system-ui,sans-serif} h2,h3,h4{font-family:system-ui,sans-serif;color:#0b4f6c}
.cites{font:600 .7rem system-ui,sans-serif;margin-left:.15em} .cites a{color:#0b6e99;text-decoration:none}
.note,.notes,.disclaimer{font-size:.9rem;color:#4a5968} .kind,.level{font:.75rem system-ui,sans-serif;
background:#eef4f7;border-radius:3px;padding:0 .35em;margin-left:.3em} .references li{margin:.4em 0}
.edited,.generated{font:.7rem system-ui,sans-serif;color:#8a5a00}
"""


def render_article_html(
    article: Article, *, standalone: bool = True, document_url: DocumentUrl | None = None,
    stylesheet: str | None = None,
) -> str:
    """Render ``article`` as HTML.

    Parameters
    ----------
    article
        The article to render; all its text is escaped.
    standalone
        A complete ``<!doctype html>`` page with its title and a small
        embedded stylesheet (or ``stylesheet``, a URL); otherwise only the
        body fragment (:func:`render_body`).
    document_url
        Where a citation links: the source document with the quote highlighted
        (default: the web app's ``/documents/...`` for fragments, the
        reference list for standalone pages, which have no server behind them).
    """
    if document_url is None and not standalone:
        document_url = default_document_url
    body = render_body(article, document_url=document_url)
    if not standalone:
        return str(body)
    style = (f'<link rel="stylesheet" href="{escape(stylesheet)}">' if stylesheet
             else f"<style>{_STANDALONE_CSS}</style>")
    follow = ""
    if article.follow_up_questions:
        follow = ('<section class="follow-ups"><h2>Have a follow-up question?</h2><ul>'
                  + "".join(f"<li>{escape(q)}</li>" for q in article.follow_up_questions) + "</ul></section>")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(article.question)}</title>{style}</head><body>"
        f"<h1>{escape(article.question)}</h1>"
        '<p class="banner">Educational purpose only • Exercise caution as content is pending human review</p>'
        f"{body}{follow}</body></html>\n"
    )
