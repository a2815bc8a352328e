"""Typed settings, built once at the edge (CLI flags, environment) and passed down.

Nothing below the CLI and web shells reads environment variables: they get a
:class:`Settings` (or just the values they need) as arguments.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from medcite.store.db import STORE_FILENAME


def default_home(env: Mapping[str, str]) -> Path:
    """The per-user data folder: XDG on Linux, Application Support on macOS, LOCALAPPDATA on Windows."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "medcite"
    if os.name == "nt":
        base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "medcite"
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "medcite"


@dataclass(frozen=True, slots=True)
class IngestSettings:
    """Limits and batching for ``medcite ingest``."""

    #: Files larger than this are refused with a clear message (bytes).
    max_file_size: int = 2 * 1024**3
    #: Documents per transaction: the unit of work a kill can lose.
    batch_size: int = 1000
    #: A gzip file may expand to at most this many bytes, and at most this many
    #: times its compressed size, checked while decompressing: peak memory is at
    #: most min(max_expanded_size, ratio x compressed size). Real gzip XML expands
    #: 4-10x; bench/bench_bombs.py measured 244 / 642 MB peak RSS for 1 / 3 GiB bombs
    #: at 200x, hence 50x.
    max_expanded_size: int = 1024**3
    max_expansion_ratio: float = 50.0
    #: One document's text may be at most this many characters; a 200 MB single-line
    #: file is refused with a reason instead of becoming 355,000 passages of one document.
    max_document_chars: int = 32 * 1024**2
    #: Files that vanished from an ingested folder: remove their documents (the store
    #: mirrors the folder; articles keep their stored quotes) or keep them.
    prune: bool = True


@dataclass(frozen=True, slots=True)
class AskSettings:
    """Constants of the ask pipeline; docs/decisions.md gives the measurement behind each."""

    #: Spelling correction: a corrected term must occur in at least this share of
    #: passages (at least one; 5 in the 172k-passage shared corpus) and this many
    #: times more often than the word as typed.
    spelling_min_share: float = 3e-5
    spelling_ratio: float = 20.0
    #: Inflection variants share this many leading characters of the stem.
    inflection_prefix: int = 5
    inflection_max: int = 3
    inflection_weight: float = 0.5
    #: Lexicon expansions (abbreviations, synonyms) per question n-gram, and their weight.
    lexicon_max_per_term: int = 2
    lexicon_weight: float = 0.7
    #: A lower-case word is looked up as an abbreviation only if at most this
    #: share of passages contain it ("uti" yes, "first" and "line" no).
    lowercase_abbrev_max_share: float = 0.002
    #: A sub-question whose own words all have an idf below this ("risk", "disease",
    #: "first", "line": words in more than ~1 % of passages) takes its subject from the case.
    generic_idf: float = 4.5
    #: A case word no passage holds (a drug the patient takes, "on velmorastat 20 mg") blocks the
    #: answer only in a library at least this large: sampled into a 10k-passage library, the dev
    #: cases' ordinary words would leave ~5 unseen per 89 questions; at 50k ~1; at the shared
    #: corpus's 173k none is unseen but typos, which the corrector maps (docs/decisions.md).
    unknown_case_min_passages: int = 50_000
    #: Weight of the case words (a vignette's declarative sentences) in a sub-question's query.
    topic_weight: float = 0.7
    #: Weight of the question-type words ("treated", "dose") and population words.
    cue_weight: float = 0.3
    #: Passages retrieved per source kind and sub-question, and per document.
    passages_per_kind: int = 30
    passages_per_doc: int = 8
    #: Second pass: the best documents per kind searched again for what is asked, and
    #: the passages taken from each.
    inner_docs: int = 3
    inner_passages: int = 4
    #: The support (idf-weighted coverage of a sub-question's concepts by its
    #: best-ranked sentences, answer.select.support) below which a sub-question
    #: is "not covered"; calibrated on the dev split (docs/benchmarks.md; 0.45 -> 0.55 in session 3
    #: with 40 more out-of-scope questions: dev answered 1.000 -> 0.989, out-of-scope declined 0.846 -> 0.872).
    answer_threshold: float = 0.55
    #: A selected sentence must reach this share of its sub-question's best ranker probability.
    relative_floor: float = 0.15
    #: The best cosine (all-MiniLM-L6-v2) between the question and its top-ranked sentences below
    #: which they are about something else and nothing is answered (answer.semantic); 0 turns the
    #: check off. On the realistic dev split answered in-scope questions reach 0.38 or more and
    #: a non-medical question answered by word overlap with an acronym's passages 0.14.
    semantic_min: float = 0.3
    #: The topic check (answer.semantic.Topics; needs the encoder): an answer whose words the corpus
    #: covers only in part (best support below ``off_topic_support``) to a question that reads as a
    #: general topic other than health by more than ``off_topic_margin`` (zero-shot cosine margin) is
    #: declined: the partial match is a word used in another sense ("a normal heart rate" for a
    #: hamster). Chosen on the realistic dev split and 7,000 external in-scope questions
    #: (docs/decisions.md, "Session 16"): no dev, MedicationQA, MedQuAD or PubMedQA question is
    #: declined at margins 0.12-0.18; 0.15 declines 5 answered dev out-of-scope questions, 0.18 three,
    #: at a cost of 28 vs 14 of 2,244 BioASQ questions. But alcohol-with-a-drug questions read as food
    #: at 0.156-0.180 ("can I drink wine while taking <drug>?"), so 0.18. A dev in-scope question reads
    #: as travel (margin 0.20) at support 0.91, so the support bound stays below it. 1 turns it off.
    off_topic_margin: float = 0.18
    off_topic_support: float = 0.85
    #: A noun the message owns ("my hamster") reads as an animal when its cosine to "animal" exceeds its
    #: cosine to "person" by more than this; the question is then about an animal and declined under
    #: the same support bound unless it names a person affected. Owned nouns of the realistic dev
    #: split and all of MedicationQA: animals +0.24 to +0.41, every other noun +0.16 or less (a body
    #: part +0.13); no in-scope dev or MedicationQA question owns an animal (docs/decisions.md,
    #: "Session 17"). 1 turns it off.
    owned_animal_margin: float = 0.2
    #: The same for the subject of a question that opens with its verb ("can hamsters eat hay?").
    #: Stricter: such subjects are often not nouns a person owns, and single words read noisily
    #: (two abstract nouns at +0.23 in BioASQ and PubMedQA questions; animals +0.40 to
    #: +0.50). 1 turns it off.
    subject_animal_margin: float = 0.3
    #: An answer covered only in part (best support below ``off_topic_support``) to a question whose mean
    #: cosine to its 5 nearest known health questions (answer.questionbank) is below this is declined:
    #: it is unlike any health question. Measured with the ranker's held-out questions left out of the
    #: bank (docs/decisions.md, "Session 17"): the lowest answered in-scope question covered in part is at
    #: 0.262 (dev; MedicationQA 0.295, held-out BioASQ, PubMedQA and MedQuAD higher), answered everyday
    #: dev questions at 0.24-0.37; 0.25 is the round value below every in-scope one. 0 turns it off.
    familiar_min: float = 0.25
    #: An answer covered only in part to a question whose mean cosine to its 5 nearest everyday questions of
    #: the bank (answer.everyday) exceeds that to its 5 nearest health questions by more than this is
    #: declined: it is about something else. Measured on the realistic dev split and 1,300 external
    #: in-scope questions (docs/decisions.md, "Session 18"): the lowest answered in-scope question covered in
    #: part is at -0.048 (everyday nearer by 0.048; dev), MedicationQA -0.039, held-out BioASQ -0.025; the
    #: answered everyday dev questions at -0.195 to +0.02. 0.08 keeps 0.03 below every in-scope one. 1 turns
    #: it off.
    everyday_margin: float = 0.08
    #: Top-ranked sentences compared with the question by that check (5 and 10 gave the same dev
    #: result; warm ask p50 120 vs 165 ms).
    semantic_top: int = 5
    #: The second stage (answer.rerank; needs the encoder, semantic_min > 0): each sub-question's
    #: ``rerank_top`` best candidates are re-ordered by ``p + rerank_cos * cosine(sub-question, sentence)``;
    #: rerank_cos 0 turns it off. Realistic dev key-fact recall for rerank_cos 0 / 0.22 / 0.35 / 0.5 / 0.8:
    #: 0.721 / 0.732 / 0.743 / 0.749 / 0.760 (retrained first stage); a pairwise fit on BioASQ, MedQuAD
    #: and PubMedQA (`medcite train-ranker`) chooses 0.22 (held-out P@1 0.759 -> 0.790). 0.5 sits between
    #: what external questions and realistic ones prefer (docs/decisions.md, "Session 8").
    rerank_cos: float = 0.5
    #: With a hand-set weight 0.3, top 10 / 20 / 30 gave dev key-fact recall 0.727 / 0.743 / 0.738; each
    #: candidate costs one sentence embedding (about 3 ms here), paid only by an answer about to be given.
    rerank_top: int = 20
    #: onnxruntime threads of that check. One process alone (CLI, eval) uses two cores: encoding 8 texts
    #: took 172 ms on one and 93 ms on two on this 2-core machine (no AVX-512, so int8 is slow); `medcite
    #: serve` gives each worker cores / workers so that workers do not oversubscribe the CPU.
    encoder_threads: int = 2
    #: Template sentences (answer.templates): among each covered sub-question's ``template_top`` best
    #: candidates, a sentence whose words other than its title's (``template_min_terms`` or more) all
    #: occur together in ``template_min_docs`` documents or more does not lead or make a key point; 0
    #: turns the check off. Page boilerplate reaches the cap of 30 and statements of fact 1
    #: (docs/decisions.md, "Session 14"); each check is one conjunctive query of 1-3 ms.
    template_top: int = 25
    template_min_terms: int = 5
    template_min_docs: int = 30
    #: A lead sentence must itself hold this idf-weighted share of the question's concepts
    #: (when any candidate does); chosen on the dev split (docs/decisions.md).
    lead_min_coverage: float = 0.6
    #: Article body budgets in words (issue 8): hard caps, and the length the
    #: supporting sentences fill up to (leads and key points always come first).
    clinician_words: int = 500
    patient_words: int = 350
    clinician_target_words: int = 230
    patient_target_words: int = 200
    #: A selected sentence that announces a list ("... include:") carries up to this many of its
    #: items (answer.lists); 0 turns it off.
    list_items: int = 8


@dataclass(frozen=True, slots=True)
class VerifySettings:
    """How statements are checked against the quotes they cite (:mod:`medcite.verify`)."""

    #: A word a statement adds to its quotes is flagged when fewer than this share of the
    #: corpus's documents hold it (drug, test and disease names are rare; paraphrase words are
    #: not). Chosen on the dev split of ``medcite eval verifier`` (docs/benchmarks.md).
    rare_share: float = 0.01
    #: Fewer documents than this and word shares mean nothing (in a one-guideline library every word
    #: is rare): the rare-word check is skipped. The benchmark's vocabulary has 600 documents.
    min_documents: int = 50


@dataclass(frozen=True, slots=True)
class LLMSettings:
    """An opt-in OpenAI-compatible chat endpoint for ``--synthesizer llm`` (none by default: offline)."""

    #: The endpoint root, e.g. ``http://127.0.0.1:8080/v1``; None: no language model.
    url: str | None = None
    model: str = "default"
    #: The environment variable that holds the API key of a remote endpoint (the key is never stored).
    key_env: str = "MEDCITE_LLM_KEY"
    #: Seconds to wait for the whole answer; then the extractive article is shown with the reason.
    timeout: float = 60.0
    max_tokens: int = 600
    #: ``json_object`` (llama.cpp) or ``json_schema`` (vLLM, OpenAI) structured output.
    schema_style: str = "json_object"
    #: Evidence sentences shown to the model.
    max_evidence: int = 12


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a medcite process needs to know about where and how to run."""

    home: Path
    ingest: IngestSettings = field(default_factory=IngestSettings)
    ask: AskSettings = field(default_factory=AskSettings)
    verify: VerifySettings = field(default_factory=VerifySettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
    #: A ranker model other than the shipped one (``medcite train-ranker --out``).
    ranker_path: Path | None = None

    @property
    def store_path(self) -> Path:
        return self.home / STORE_FILENAME

    @property
    def index_path(self) -> Path:
        """The tantivy mirror of the BM25 index."""
        return self.home / "index" / "tantivy"

    @property
    def articles_path(self) -> Path:
        return self.home / "articles.sqlite"

    @classmethod
    def resolve(cls, home: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
        """``--home`` wins, then ``MEDCITE_HOME``, then the per-user default."""
        env = os.environ if env is None else env
        if home is None:
            home = env.get("MEDCITE_HOME") or default_home(env)
        return cls(home=Path(home).expanduser())
