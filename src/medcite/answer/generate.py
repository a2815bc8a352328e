"""An opt-in synthesizer that lets a language model write, then keeps only what its quotes support.

The model gets the question, its sub-questions and the selected evidence
sentences, numbered, and must return JSON (a schema the endpoint enforces as a
grammar): sentences, each with the evidence numbers it rests on, the section it
belongs to (guidelines, research, patient information) and the sub-question it
answers. Every sentence then goes through a :class:`~medcite.verify.Verifier`
against the exact quotes it cites; unsupported sentences are dropped and never
shown. The extractive article is always built too: it is the fallback for the
whole answer (endpoint down, slow, malformed output) and for every sub-question
left without a supported generated sentence, so the reader never loses what
the corpus says because a model wrote badly.

This is the retrieve-then-generate pattern of Lewis et al. (2020), "Retrieval-
Augmented Generation for Knowledge-Intensive NLP Tasks", with attribution
checked per sentence as in Rashkin et al. (2023), "Measuring Attribution in
Natural Language Generation Models" (AIS), by rules instead of raters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from medcite.answer.compose import ExtractiveSynthesizer
from medcite.answer.progress import report as stage
from medcite.answer.select import Evidence, EvidenceItem
from medcite.llm.client import ChatClient, LLMError
from medcite.model import Article, ArticleSection, Quote, Statement
from medcite.verify import CitedQuote, Verifier

SECTION_KINDS = {"guidelines": "guideline", "research": "research", "patient": "patient-info"}
SECTION_TITLES = {"guidelines": "From the guidelines", "research": "From the research",
                  "patient": "From patient information"}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "sentences": {
            "type": "array", "minItems": 1, "maxItems": 8,
            "items": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "cites": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 4},
                    "section": {"type": "string", "enum": ["guidelines", "research", "patient"]},
                    "sub_question": {"type": "integer"},
                },
                "required": ["text", "cites", "section", "sub_question"],
            },
        },
    },
    "required": ["sentences"],
}

SYSTEM = {
    "clinician": (
        "You answer a clinician's question using ONLY the numbered evidence sentences given. Write at most "
        "six short sentences. Each sentence must cite, in 'cites', the evidence numbers that state it. Copy "
        "every number, unit, drug name and negation exactly as the evidence gives it. Put a sentence in the "
        "'guidelines' section only if it cites guideline evidence, 'research' only if it cites research. "
        "'sub_question' is the number of the sub-question the sentence answers. If the evidence does not "
        "answer something, do not write about it."
    ),
    "patient": (
        "You explain the answer to a patient's question in plain language, using ONLY the numbered evidence "
        "sentences given. Write at most five short sentences with everyday words. Keep every number, unit, "
        "drug name and 'not' exactly as the evidence gives it. Each sentence must cite, in 'cites', the "
        "evidence numbers that state it; use the section of the evidence you cite ('patient' for patient "
        "information). 'sub_question' is the number of the sub-question the sentence answers."
    ),
}


@dataclass(slots=True)
class GenerationReport:
    """What happened, for the article's JSON and the benchmark."""

    seconds: float = 0.0
    generated: int = 0
    kept: int = 0
    fallback: str | None = None  # why the extractive answer stands alone, if it does
    dropped: list[dict[str, Any]] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class LLMSynthesizer:
    """A :class:`~medcite.answer.compose.Synthesizer` that writes with ``client`` and keeps what ``verifier`` passes.

    Parameters
    ----------
    client
        The chat endpoint.
    verifier
        Checks each generated sentence against the quotes it cites.
    max_evidence
        Evidence sentences shown to the model (the selected ones, leads first).
    """

    def __init__(self, client: ChatClient, verifier: Verifier, *, max_evidence: int = 12) -> None:
        self.client = client
        self.verifier = verifier
        self.max_evidence = max_evidence
        self.extractive = ExtractiveSynthesizer()
        self.last = GenerationReport()

    def compose(self, ev: Evidence) -> Article:
        article = self.extractive.compose(ev)
        report = GenerationReport()
        self.last = report
        if not ev.answerable:
            report.fallback = "nothing to write from: the corpus does not answer the question"
            return article
        items = _ordered(ev)[:self.max_evidence]
        t0 = time.perf_counter()
        stage("writing")
        try:
            out = self.client.complete_json(_messages(ev, items), SCHEMA)
        except LLMError as exc:
            report.fallback = str(exc)
            report.seconds = time.perf_counter() - t0
            article.notes = [*article.notes, f"The written summary is unavailable ({exc}); the quoted evidence "
                                             "is shown."]
            _attach(article, report)
            return article
        report.seconds = time.perf_counter() - t0
        usage = out.pop("_usage", {})
        report.prompt_tokens = usage.get("prompt_tokens")
        report.completion_tokens = usage.get("completion_tokens")
        stage("verifying")
        kept = self._verified(out, items, ev, report)
        if kept:
            article.sections.insert(0, _summary(article, kept))
        else:
            report.fallback = "no written sentence was supported by the evidence it cites"
            article.notes = [*article.notes, "No sentence the language model wrote was supported by the evidence it "
                                             "cites; the quoted evidence is shown instead."]
        _attach(article, report)
        return article

    def _verified(self, out: dict[str, Any], items: list[EvidenceItem], ev: Evidence,
                  report: GenerationReport) -> list[tuple[str, dict[str, Any], list[EvidenceItem]]]:
        raw = out.get("sentences")
        if not isinstance(raw, list):
            report.fallback = "the language model's JSON has no sentence list"
            return []
        kept: list[tuple[str, dict[str, Any], list[EvidenceItem]]] = []
        for s in raw[:8]:
            if not isinstance(s, dict) or not isinstance(s.get("text"), str) or not s["text"].strip():
                continue
            report.generated += 1
            text = " ".join(s["text"].split())
            cites = [c for c in s.get("cites", []) if isinstance(c, int)]
            bad = [c for c in cites if not 1 <= c <= len(items)]
            section = str(s["section"]) if s.get("section") in SECTION_KINDS else "guidelines"
            if not cites or bad:
                why = "it cites no evidence" if not cites else f"it cites evidence {bad} that does not exist"
                report.dropped.append({"text": text, "reasons": [why]})
                continue
            cited = [items[c - 1] for c in dict.fromkeys(cites)]
            verdict = self.verifier.verify(
                text, [CitedQuote(i.text, i.source_kind) for i in cited],
                section_kind=SECTION_KINDS[section] if section == "guidelines" else None)
            if not verdict.supported:
                report.dropped.append({"text": text, "reasons": verdict.reasons})
                continue
            kept.append((section, {"text": text, "verification": verdict.to_dict()}, cited))
        report.kept = len(kept)
        return kept


def _ordered(ev: Evidence) -> list[EvidenceItem]:
    """Leads first, then key points, then support; guideline before research within each role."""
    role = {"lead": 0, "key-point": 1, "support": 2}
    kind = {"guideline": 0, "research": 1, "patient-info": 2}
    return sorted(ev.items, key=lambda i: (role.get(i.role, 3), kind.get(i.source_kind, 3)))


def _messages(ev: Evidence, items: list[EvidenceItem]) -> list[dict[str, str]]:
    subs = "\n".join(f"{a.index + 1}. {a.text}" for a in ev.sub_answers)
    evidence = "\n".join(f"[{n}] ({i.source_kind}) {i.text}" for n, i in enumerate(items, 1))
    user = f"Question: {ev.question}\n\nSub-questions:\n{subs}\n\nEvidence:\n{evidence}\n\nAnswer in JSON."
    return [{"role": "system", "content": SYSTEM.get(ev.audience, SYSTEM["clinician"])},
            {"role": "user", "content": user}]


def _summary(article: Article, kept: list[tuple[str, dict[str, Any], list[EvidenceItem]]]) -> ArticleSection:
    """The verified sentences, under the article's own reference numbers, grouped by section."""
    num = {r.doc_id: r.n for r in article.references}
    groups: dict[str, list[Statement]] = {}
    for section, s, cited in kept:
        quotes = [Quote(ref=num[i.doc_id], doc_id=i.doc_id, quote=i.text, start=i.start, end=i.end)
                  for i in cited if i.doc_id in num]
        if not quotes:
            continue
        groups.setdefault(section, []).append(Statement(
            text=s["text"], citations=list(dict.fromkeys(q.ref for q in quotes)), evidence=quotes,
            generated=True, verification=s["verification"]))
    subs = [ArticleSection(title=SECTION_TITLES[k], kind=f"summary-{k}", statements=v) for k, v in groups.items()]
    return ArticleSection(title="Summary", kind="summary", subsections=subs,
                          note="Written by a language model from the quoted evidence; every sentence shown was "
                               "checked against the quotes it cites.")


def _attach(article: Article, report: GenerationReport) -> None:
    article.generation = {"synthesizer": "llm", "seconds": round(report.seconds, 2), "generated": report.generated,
                          "kept": report.kept, "fallback": report.fallback, "dropped": report.dropped[:20],
                          "prompt_tokens": report.prompt_tokens, "completion_tokens": report.completion_tokens}
