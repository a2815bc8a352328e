"""Loaders for the evaluation datasets, laid out as in ``../shared/corpora``.

Each loader returns a :class:`Dataset`: the questions with their gold
documents and reference answers, and the files whose ingestion makes the
dataset's own corpus. Selections are deterministic: questions are ordered by
a hash of their id (a fixed pseudo-random order that does not depend on file
order or Python's hash seed) and ``limit`` takes a prefix, so ``--limit 100``
is always the same 100 questions and a subset of ``--limit 200``.

Sources: PubMedQA (Jin et al., EMNLP 2019), BioASQ Task 6b (Tsatsaronis et
al., BMC Bioinformatics 2015), MedQuAD (Ben Abacha & Demner-Fushman, BMC
Bioinformatics 2019), MedicationQA (Ben Abacha et al., MEDINFO 2019).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

PUBMEDQA_FILE = Path("pubmedqa/data/ori_pqal.json")
PUBMEDQA_TEST = Path("pubmedqa/data/test_ground_truth.json")
BIOASQ_FILE = Path("bioasq/training6b/BioASQ-trainingDataset6b.json")
MEDQUAD_DIR = Path("medquad")
MEDICATIONQA_FILE = Path("medicationqa_medinfo2019/medicationqa.jsonl")
NGC_DIR = Path("ngc_guideline_summaries/summaries")
#: MedQuAD folders whose answers were emptied for copyright: they add no text.
MEDQUAD_EMPTY = ("10_MPlus_ADAM_QA", "11_MPlusDrugs_QA", "12_MPlusHerbsSupplements_QA")

_PMID_URL = re.compile(r"(?:/pubmed/|pubmed\.ncbi\.nlm\.nih\.gov/)(\d+)/?\s*$")


class DatasetMissing(Exception):
    """A dataset's files are not under ``--data``; the message says which."""


@dataclass(frozen=True, slots=True)
class GoldSnippet:
    """A BioASQ gold snippet: its PubMed id and text."""

    pmid: str
    text: str


@dataclass(slots=True)
class EvalQuestion:
    """One evaluation question.

    Parameters
    ----------
    qid
        Stable id (PMID for PubMedQA, BioASQ id, MedQuAD question id, ...).
    question
        The text sent to medcite.
    gold_docs
        Store ids of the documents that answer it (``pmid:…``, ``bioasq:…``).
    references
        Reference answers for ROUGE (PubMedQA long answer, BioASQ ideal answers, ...).
    kind
        Dataset-specific type (BioASQ ``summary``/``factoid``…, MedQuAD qtype).
    audience
        ``clinician`` or ``patient``.
    snippets
        BioASQ gold snippets (empty elsewhere).
    facts
        Key facts: each a list of acceptable alternative strings.
    label
        PubMedQA yes/no/maybe.
    """

    qid: str
    question: str
    gold_docs: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    kind: str = ""
    audience: str = "clinician"
    snippets: list[GoldSnippet] = field(default_factory=list)
    facts: list[list[str]] = field(default_factory=list)
    label: str | None = None


@dataclass(slots=True)
class Dataset:
    """Questions plus the files that make their corpus."""

    name: str
    questions: list[EvalQuestion]
    corpus: list[Path]
    #: Facts a reader of the report needs (coverage, quirks).
    notes: list[str] = field(default_factory=list)
    #: Number of questions before ``limit`` was applied.
    total: int = 0


def stable_order(items: Iterable[EvalQuestion], salt: str) -> list[EvalQuestion]:
    """Questions in a fixed pseudo-random order (SHA-1 of ``salt:qid``)."""
    return sorted(items, key=lambda q: hashlib.sha1(f"{salt}:{q.qid}".encode()).hexdigest())


def _need(path: Path) -> Path:
    if not path.exists():
        raise DatasetMissing(f"{path} not found; pass --data pointing at a folder laid out like ../shared/corpora")
    return path


def _take(name: str, qs: list[EvalQuestion], limit: int | None) -> tuple[list[EvalQuestion], int]:
    ordered = stable_order(qs, name)
    return (ordered[:limit] if limit is not None else ordered), len(ordered)


def load_pubmedqa(data: Path, limit: int | None = None, *, test_only: bool = False) -> Dataset:
    """PubMedQA PQA-L: question = ``QUESTION``, gold = ``pmid:<pmid>``, reference = ``LONG_ANSWER``.

    ``test_only`` restricts to the official 500-item test split.
    """
    path = _need(data / PUBMEDQA_FILE)
    items: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    test: set[str] = set()
    if (data / PUBMEDQA_TEST).exists():
        test = set(json.loads((data / PUBMEDQA_TEST).read_text(encoding="utf-8")))
    qs = [
        EvalQuestion(
            qid=pmid, question=str(it["QUESTION"]), gold_docs=[f"pmid:{pmid}"],
            references=[str(it.get("LONG_ANSWER") or "")], kind="test" if pmid in test else "train",
            label=it.get("final_decision"),
        )
        for pmid, it in items.items()
        if not test_only or pmid in test
    ]
    chosen, total = _take("pubmedqa", qs, limit)
    return Dataset("pubmedqa", chosen, [path], total=total, notes=[
        "corpus = the 1,000 PQA-L abstracts without their conclusions (LONG_ANSWER, the reference answer), "
        "so an answer cannot score by quoting the reference itself",
    ])


def without_conclusions(ds: Dataset, folder: Path) -> Dataset:
    """``ds`` with its PubMedQA corpus rewritten without ``LONG_ANSWER``.

    The reference answers must not be in the corpus the answers are drawn
    from, or ROUGE-L measures quoting the reference. The rewritten file keeps
    PubMedQA's schema, so the ordinary reader ingests it.
    """
    out: list[Path] = []
    for path in ds.corpus:
        items: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        for it in items.values():
            it["LONG_ANSWER"] = ""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{path.stem}.no-conclusions.json"
        target.write_text(json.dumps(items), encoding="utf-8")
        out.append(target)
    return Dataset(ds.name, ds.questions, out, total=ds.total, notes=ds.notes)


def _pmid(url: str) -> str | None:
    m = _PMID_URL.search(url)
    return m.group(1) if m else None


def load_bioasq(data: Path, limit: int | None = None, *, types: tuple[str, ...] | None = None) -> Dataset:
    """BioASQ 6b training questions: gold = ``bioasq:<pmid>`` of each gold snippet.

    Only snippets' documents are gold because the corpus holds snippets only
    (documents without a snippet cannot be retrieved by anyone).
    """
    path = _need(data / BIOASQ_FILE)
    raw = json.loads(path.read_text(encoding="utf-8"))["questions"]
    qs: list[EvalQuestion] = []
    for q in raw:
        if types is not None and q.get("type") not in types:
            continue
        snippets = []
        for s in q.get("snippets", []):
            pmid = _pmid(str(s.get("document", "")))
            text = str(s.get("text") or "").strip()
            if pmid and text:
                snippets.append(GoldSnippet(pmid, text))
        if not snippets:
            continue
        ideal = q.get("ideal_answer") or []
        refs = [ideal] if isinstance(ideal, str) else [str(x) for x in ideal]
        qs.append(EvalQuestion(
            qid=str(q["id"]), question=str(q["body"]), kind=str(q.get("type", "")),
            gold_docs=list(dict.fromkeys(f"bioasq:{s.pmid}" for s in snippets)),
            references=refs, snippets=snippets,
        ))
    chosen, total = _take("bioasq", qs, limit)
    return Dataset("bioasq", chosen, [path], total=total, notes=[
        "corpus = one document per PMID built from all BioASQ 6b gold snippets (no abstracts are available)",
    ])


def medquad_files(data: Path) -> list[Path]:
    """MedQuAD XML files of the collections that still have answers."""
    root = _need(data / MEDQUAD_DIR)
    return sorted(
        p for d in sorted(root.iterdir()) if d.is_dir() and d.name not in MEDQUAD_EMPTY and d.name[0].isdigit()
        for p in d.glob("*.xml")
    )


@dataclass(slots=True)
class MedQuADPage:
    doc_id: str
    url: str
    focus: str
    pairs: list[tuple[str, str, str, str]]  # (qid, question, qtype, answer)


def read_medquad_page(path: Path) -> MedQuADPage | None:
    """One MedQuAD file's id (as the medquad reader forms it), URL, focus and answered QA pairs."""
    from lxml import etree

    from medcite.readers.medquad import doc_id

    try:
        root = etree.parse(str(path), etree.XMLParser(recover=True, resolve_entities=False)).getroot()
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    did, _source = doc_id(root, path)
    focus = next((" ".join((e.text or "").split()) for e in root.iter("Focus", "doctitle-focus")), "")
    pairs = []
    for pair in root.iter("QAPair", "pair"):
        q = pair.find("Question") if pair.find("Question") is not None else pair.find("question")
        a = pair.find("Answer") if pair.find("Answer") is not None else pair.find("answer")
        answer = " ".join("".join(str(t) for t in a.itertext()).split()) if a is not None else ""
        if q is None or not answer:
            continue
        question = " ".join("".join(str(t) for t in q.itertext()).split())
        pairs.append((q.get("qid") or "", question, q.get("qtype") or "", answer))
    return MedQuADPage(did, root.get("url") or "", focus, pairs)


def load_medquad(data: Path, limit: int | None = None) -> Dataset:
    """MedQuAD answered QA pairs: gold = the page the pair comes from."""
    files = medquad_files(data)
    qs: list[EvalQuestion] = []
    for f in files:
        page = read_medquad_page(f)
        if page is None:
            continue
        for qid, question, qtype, answer in page.pairs:
            qs.append(EvalQuestion(
                qid=f"{page.doc_id.removeprefix('medquad:')}:{qid}", question=question, gold_docs=[page.doc_id],
                references=[answer], kind=qtype, audience="patient",
            ))
    chosen, total = _take("medquad", qs, limit)
    return Dataset("medquad", chosen, files, total=total, notes=[
        f"corpus = {len(files):,} MedQuAD pages of the 9 collections with answers",
        "the question text is often the page's own heading, so retrieval of the gold page is easy",
    ])


def _norm_url(url: str) -> str:
    u = url.strip().lower().split("#")[0]
    u = re.sub(r"^https?://(www\.)?", "", u)
    return u.rstrip("/")


def load_medicationqa(data: Path, limit: int | None = None) -> Dataset:
    """MedicationQA: gold = MedQuAD pages with the answer's URL or the drug as focus.

    Most answers come from MedlinePlus drug pages, whose MedQuAD copies have
    empty answers, so few questions have a gold page in the corpus; the
    notes give the exact share.
    """
    path = _need(data / MEDICATIONQA_FILE)
    files = medquad_files(data)
    by_url: dict[str, list[str]] = {}
    by_focus: dict[str, list[str]] = {}
    for f in files:
        page = read_medquad_page(f)
        if page is None or not page.pairs:
            continue
        if page.url:
            by_url.setdefault(_norm_url(page.url), []).append(page.doc_id)
        if page.focus:
            by_focus.setdefault(page.focus.lower(), []).append(page.doc_id)
    qs: list[EvalQuestion] = []
    url_hits = focus_hits = 0
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        gold = list(by_url.get(_norm_url(str(row.get("URL") or "")), []))
        url_hits += bool(gold)
        if not gold:
            gold = list(by_focus.get(str(row.get("Focus (Drug)") or "").strip().lower(), []))
            focus_hits += bool(gold)
        qs.append(EvalQuestion(
            qid=f"mqa{n:04d}", question=str(row.get("Question") or ""), gold_docs=gold,
            references=[str(row.get("Answer") or "")], kind=str(row.get("Question Type") or ""),
            audience="patient",
        ))
    chosen, total = _take("medicationqa", qs, limit)
    return Dataset("medicationqa", chosen, files, total=total, notes=[
        f"{url_hits} of {total} questions have a MedQuAD page with the answer's URL and {focus_hits} more "
        "one whose focus is the drug; the rest have no gold page in the corpus (MedlinePlus drug pages "
        "have empty answers in MedQuAD) and count only for ROUGE",
    ])


def _packaged(name: str) -> Path:
    return Path(str(resources.files("medcite.eval") / "data" / name))


def load_keyfacts(data: Path, limit: int | None = None, *, path: Path | None = None) -> Dataset:
    """The key-facts question set (``medcite/eval/data/keyfacts.jsonl``).

    Its corpus is the NGC guideline summaries, MedQuAD pages and the PubMedQA
    abstracts the questions were written from.
    """
    src = path or _packaged("keyfacts.jsonl")
    qs = [
        EvalQuestion(
            qid=str(r["id"]), question=str(r["question"]), gold_docs=list(r.get("source_docs", [])),
            facts=[list(f) for f in r["facts"]], audience=str(r.get("audience", "clinician")),
            kind=str(r.get("origin", "")),
        )
        for r in (json.loads(x) for x in src.read_text(encoding="utf-8").splitlines() if x.strip())
    ]
    corpus = [_need(data / NGC_DIR), *medquad_files(data), _need(data / PUBMEDQA_FILE)]
    chosen, total = _take("keyfacts", qs, limit)
    return Dataset("keyfacts", chosen, corpus, total=total)


def load_out_of_scope(path: Path | None = None) -> list[EvalQuestion]:
    """Non-medical and out-of-corpus questions an honest system must decline."""
    src = path or _packaged("out_of_scope.jsonl")
    return [
        EvalQuestion(qid=str(r["id"]), question=str(r["question"]), kind=str(r.get("why", "")))
        for r in (json.loads(x) for x in src.read_text(encoding="utf-8").splitlines() if x.strip())
    ]
