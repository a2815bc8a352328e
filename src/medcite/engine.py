"""The :class:`Engine`: the public entry point that owns a store and its index.

>>> from medcite import Engine                                   # doctest: +SKIP
>>> eng = Engine.open("~/.local/share/medcite")                  # doctest: +SKIP
>>> eng.search("venous reflux duplex", kind="guideline", k=3)    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from medcite.index.mirror import MirroredIndex
from medcite.model import Hit, SourceKind
from medcite.settings import Settings
from medcite.store.db import Store
from medcite.store.repository import StoreRepository

if TYPE_CHECKING:
    from medcite.answer.compose import Synthesizer
    from medcite.answer.rank import Ranker
    from medcite.answer.semantic import Encoder, Topics
    from medcite.model import Article, Audience
    from medcite.verify import Verifier


class Engine:
    """A store, its search backend and the answer pipeline, opened together.

    Parameters
    ----------
    settings
        Where the store lives (``settings.home``) and how to ingest.
    must_exist
        Refuse to create an empty store (read-only commands).
    """

    def __init__(self, settings: Settings, *, must_exist: bool = False) -> None:
        self.settings = settings
        self.store = Store(settings.store_path, must_exist=must_exist)
        # FTS5 in the store, mirrored into tantivy for fast ranked search
        # (docs/decisions.md, "Search engine").
        self.backend = MirroredIndex(self.store, settings.index_path)
        #: Sentences, metadata and lexicon for the answer pipeline (answer.ports.Repository).
        self.repository = StoreRepository(self.store)
        self._ranker: Ranker | None = None
        self._encoder: Encoder | None = None
        self._topics: Topics | None = None

    @property
    def ranker(self) -> Ranker:
        """The sentence ranker of the ask pipeline (the shipped model, loaded once)."""
        if self._ranker is None:
            from medcite.answer.rank import Ranker

            self._ranker = Ranker.load(self.settings.ranker_path)
        return self._ranker

    @property
    def encoder(self) -> Encoder | None:
        """The sentence encoder of the semantic relevance check (None when it is turned off)."""
        if self.settings.ask.semantic_min <= 0:
            return None
        if self._encoder is None:
            from medcite.answer.semantic import MiniLM

            self._encoder = MiniLM(threads=self.settings.ask.encoder_threads)
        return self._encoder

    @property
    def topics(self) -> Topics | None:
        """The zero-shot topic check of ``ask`` (None when the encoder or the check is turned off)."""
        encoder = self.encoder
        if encoder is None or self.settings.ask.off_topic_margin >= 1:
            return None
        if self._topics is None:
            from medcite.answer.questionbank import QuestionBank
            from medcite.answer.semantic import Topics

            ask = self.settings.ask
            bank = QuestionBank.load() if ask.familiar_min > 0 or ask.everyday_margin < 1 else None
            self._topics = Topics(encoder, animal_margin=self.settings.ask.owned_animal_margin,
                                  subject_margin=self.settings.ask.subject_animal_margin, bank=bank)
        return self._topics

    @classmethod
    def open(cls, home: str | Path, *, must_exist: bool = True) -> Engine:
        return cls(Settings.resolve(home), must_exist=must_exist)

    def search(self, query: str, *, kind: SourceKind | None = None, k: int = 10) -> list[Hit]:
        """Ranked passages for ``query`` with their text and document title."""
        scored = self.backend.search(query, kind=kind, k=k)
        passages = self.store.passages([s.passage_id for s in scored])
        return [
            Hit(passage=passages[s.passage_id], score=s.score, rank=i + 1)
            for i, s in enumerate(scored)
            if s.passage_id in passages
        ]

    def ask(self, question: str, *, audience: Audience = "clinician", thread: str | None = None,
            synthesizer: str = "extractive") -> Article:
        """Answer ``question`` with a cited article (see :mod:`medcite.answer`).

        ``synthesizer="llm"`` lets the language model of ``settings.llm`` write a verified summary
        (the extractive article stays, as the fallback and below the summary).
        """
        from medcite.answer.pipeline import answer

        return answer(self, question, audience=audience, thread=thread, synthesizer=self.synthesizer(synthesizer))

    def synthesizer(self, name: str = "extractive") -> Synthesizer:
        """The article composer called ``name`` (``extractive`` or ``llm``)."""
        from medcite.answer.compose import ExtractiveSynthesizer

        if name == "extractive":
            return ExtractiveSynthesizer()
        if name != "llm":
            raise ValueError(f"unknown synthesizer {name!r}; use 'extractive' or 'llm'")
        cfg = self.settings.llm
        if not cfg.url:
            raise ValueError("the llm synthesizer needs an endpoint: pass --llm-url (an OpenAI-compatible .../v1)")
        from medcite.answer.generate import LLMSynthesizer
        from medcite.llm.client import ChatClient

        client = ChatClient(cfg.url, model=cfg.model, key_env=cfg.key_env, timeout=cfg.timeout,
                            max_tokens=cfg.max_tokens, schema_style=cfg.schema_style)
        return LLMSynthesizer(client, self.verifier(), max_evidence=cfg.max_evidence)

    def verifier(self) -> Verifier:
        """The statement verifier, with this corpus as its vocabulary (see :mod:`medcite.verify`)."""
        from medcite.verify import RuleVerifier

        # A library of a few documents says nothing about which words are rare: below
        # min_documents the rare-word check is off (drug stems, names and the rest still apply).
        enough = self.store.document_count() >= self.settings.verify.min_documents
        return RuleVerifier(self.word_share if enough else None, self.settings.verify.rare_share)

    def word_share(self, words: Sequence[str]) -> dict[str, float]:
        """For each word, the share of the corpus's documents that hold it, estimated from the index.

        The index counts passages, not documents: passages holding a word divided
        by the number of documents is an upper bound of the document share, so a
        word is called rare here no more often than on the benchmark, which
        counts documents (docs/decisions.md, "Verifier").
        """
        from medcite.index.tokenize import STOPWORDS, tokenize

        terms = {w: (tokenize(w, stopwords=False) or [w.lower()])[0] for w in words}
        df = self.backend.doc_freq(list(set(terms.values())))
        n = max(1, self.store.document_count())
        # Stopwords are not indexed; they are the commonest words there are.
        return {w: 1.0 if w.lower() in STOPWORDS else df.get(t, 0) / n for w, t in terms.items()}

    def close(self) -> None:
        self.store.close()
