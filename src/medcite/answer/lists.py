"""Stage 4b, continuations: a selected sentence that announces a list carries its items.

A sentence ending with a colon states nothing on its own: "Signs that a
child needs admission include:" is answered by the lines under it, which
the search indexes as sentences of their own and ranks apart (a bare
"- Age under 3 months" matches few question words). Guidelines and patient
pages write most of their criteria, indications and options this way.

The items are the sentences that follow it in its section and are written
as list items: a bullet or an enumerator, or a short line without final
punctuation. The selected item is widened to the span from its start to the
last item's end, so its quote stays exactly the document's text
(``text == document_text[start:end]``) and one citation covers the list.

A lead (the sentence that answers a sub-question) is likewise continued by
the next sentence of its section when that one opens with a pronoun ("It is
characterized by ..."): the source is still speaking of the same subject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from medcite.answer.ports import Repository, SentenceRecord
from medcite.answer.select import Evidence, EvidenceItem, _words

_BULLET = re.compile(r"^\s*(?:[-•*–·]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")
#: A line without a bullet counts as an item up to this many words ("Abdominal obesity (a large
#: waistline)"); a longer one is a paragraph that ends the list.
ITEM_MAX_WORDS = 12
#: A sentence that opens with a pronoun continues the one before it ("X is a condition that
#: affects women. It is characterized by ...").
_ANAPHOR = re.compile(r"^(?:It|They|These|This|Its|Their)\b")


def announces_list(text: str) -> bool:
    """A sentence that ends with a colon (after any trailing space).

    >>> announces_list("Warning signs include:")
    True
    >>> announces_list("Give 10 mg: repeat once.")
    False
    """
    return text.rstrip().endswith(":")


def is_item(text: str) -> bool:
    """A list item: a bullet or enumerator, or a short line without final punctuation.

    >>> is_item("- Age under 3 months")
    True
    >>> is_item("Abdominal obesity (a large waistline)")
    True
    >>> is_item("These children should be admitted to hospital for observation.")
    False
    """
    t = text.strip()
    if _BULLET.match(t):
        return True
    return 0 < len(t.split()) <= ITEM_MAX_WORDS and not t.endswith((".", ":", "?", "!", ";"))


def complete_lists(
    ev: Evidence, records: Sequence[SentenceRecord], repo: Repository, *,
    max_items: int, budget: int,
) -> Evidence:
    """Widen every selected list-announcing sentence to its items.

    Parameters
    ----------
    ev
        The selected evidence.
    records
        The candidates' sentences (the records the items were selected from).
    repo
        Where the following sentences and the exact span text come from.
    max_items
        Items per list at most (a long list is cut after this many; the quote stays exact).
    budget
        The article's hard word budget; a list is cut where it would exceed it.
    """
    if not ev.answerable or max_items <= 0:
        return ev
    chosen = {(i.doc_id, i.start) for i in ev.items}
    sentences = {(r.doc_id, r.start): r for r in records if (r.doc_id, r.start) in chosen}
    used = sum(_words(i.text) for i in ev.items)
    out: list[EvidenceItem] = list(ev.items)
    for k, it in enumerate(ev.items):
        rec = sentences.get((it.doc_id, it.start))
        if rec is None:
            continue
        if not announces_list(it.text):
            if it.role == "lead":
                # The lead answers the sub-question; when the source goes on about the same
                # subject in the next sentence, that sentence is part of the answer (only the
                # lead: for the others it added words and no key fact on dev; docs/decisions.md).
                after = repo.following(rec, 1)
                if after and _ANAPHOR.match(after[0][0].text) and used + _words(after[0][0].text) <= budget:
                    used += _words(after[0][0].text)
                    out[k] = replace(it, text=after[0][1], end=after[0][0].end)
            continue
        span = ""
        end = it.end
        for nxt, text in repo.following(rec, max_items):
            if not is_item(nxt.text):
                break
            extra = _words(nxt.text)
            if used + extra > budget:
                break
            used += extra
            span, end = text, nxt.end
        if span:
            out[k] = replace(it, text=span, end=end)
    # A selected item inside a widened span is now said by it.
    widened = [(i.doc_id, i.start, i.end) for i, o in zip(out, ev.items, strict=True) if i.end != o.end]
    kept = [i for i in out if not any(i.doc_id == d and s <= i.start and i.end <= e and (i.start, i.end) != (s, e)
                                      for d, s, e in widened)]
    return replace(ev, items=tuple(kept))
