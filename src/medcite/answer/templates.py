"""Template sentences: text a source repeats on page after page with only the subject's name changed.

Patient-information collections carry boilerplate on every page ("The <ontology>
provides the following list of signs and symptoms for <name>", "These resources
address the diagnosis or management of <name>", "The first number of the fraction
is ..."). Such a sentence names the asked disease and the asked question type, so it
ranks high, yet it answers nothing: it points at a table or a list of links.

A sentence is a template when the passages holding every one of its words other
than its document's title words (at least ``template_min_terms`` of them) come from
``template_min_docs`` documents or more: page templates found from their repetition
across a collection, as in Bar-Yossef & Rajagopalan 2002, "Template detection via
data mining and its applications" (WWW), here with the search index's conjunctive
query in place of their page-fragment fingerprints. A statement of fact, even a
common one, rarely repeats all of its words in 30 documents; a template does in
hundreds. Some templates do carry an answer ("This condition is inherited in an
autosomal recessive pattern, ..."), so a template is not dropped: it does not lead
or make a key point while a sentence of the source's own words can
(:func:`.select.select`); it may still support.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from medcite.answer.ports import DocMeta, Search
from medcite.answer.rank import Scored
from medcite.index.query import SearchQuery, WeightedTerm
from medcite.index.tokenize import tokenize
from medcite.settings import AskSettings


def is_template(search: Search, text: str, title: str, settings: AskSettings) -> bool:
    """Whether ``text`` (a sentence of a document titled ``title``) repeats across the corpus."""
    own = set(tokenize(title))
    terms = [t for t in dict.fromkeys(tokenize(text)) if t not in own and not t.isdigit()]
    if len(terms) < settings.template_min_terms:
        return False  # too few words to tell a template from a common short statement
    query = SearchQuery(terms=tuple(WeightedTerm(t) for t in terms), required=tuple((t,) for t in terms),
                        k=settings.template_min_docs, per_doc=1)
    return len(search.search_query(query)) >= settings.template_min_docs


def mark_templates(
    search: Search, scored: Sequence[Scored], docs: Mapping[str, DocMeta], subs: Collection[int],
    settings: AskSettings,
) -> list[Scored]:
    """``scored`` with feature ``templated`` set on the template sentences among the
    ``template_top`` best candidates of each of ``subs`` (those that can lead or make a key point)."""
    seen: dict[int, int] = {}
    out: list[Scored] = []
    for s in scored:
        sub = s.cand.sub
        if sub in subs and seen.get(sub, 0) < settings.template_top:
            seen[sub] = seen.get(sub, 0) + 1
            meta = docs.get(s.cand.sentence.doc_id)
            if is_template(search, s.cand.sentence.text, meta.title if meta else "", settings):
                s = replace(s, features={**s.features, "templated": 1.0})
        out.append(s)
    return out
