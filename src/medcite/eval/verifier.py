"""``medcite eval verifier``: does the verifier catch changed meaning, and leave rewrites alone?

From real sentences of the shared corpora (NGC guideline summaries and
PubMedQA abstracts) it builds, per sentence, statements to check against the
sentence as their only quote:

- **rewrites** that keep the meaning (a leading clause moved to the end,
  "is recommended" -> "is advised", a connective or a parenthesis without
  numbers dropped): these should pass;
- **perturbations** that change it, one type each: ``number`` (a value),
  ``unit`` (mg -> g, days -> weeks), ``comparator`` (at least -> at most, or
  one added), ``negation`` (a "not" added or removed), ``drug`` (a drug name
  replaced by another), ``population`` (children -> adults) and ``direction``
  (increased -> decreased): these should fail.

Drug names come from the corpus's own metadata, the focus names of the
MedQuAD MedlinePlus drug pages, which the verifier never sees (it recognises
drugs by WHO INN stems), so the drug recall is a real measurement. The
population and direction swaps are general English word pairs; the verifier
has its own lists of such words, so their recall is closer to an upper bound
(said in docs/benchmarks.md).

Items are split into dev and test by a hash of their id, fixed before any
tuning. The report gives per split the recall of "unsupported" per type, the
false-alarm rate on rewrites, and precision per type on a pool with as many
rewrites as perturbations of that type (TP / (TP + false-alarm rate x N)).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from medcite.eval.datasets import NGC_DIR, PUBMEDQA_FILE, _need
from medcite.model import Document
from medcite.readers import detect
from medcite.segment import sentences_of
from medcite.settings import VerifySettings
from medcite.verify import CitedQuote, RuleVerifier, Verifier
from medcite.verify.claims import words

TYPES = ("number", "unit", "comparator", "negation", "drug", "population", "direction")
DRUG_DIR = Path("medquad/11_MPlusDrugs_QA")
SPLIT_SALT = "medcite-verifier:"


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    kind: str  # "rewrite" or one of TYPES
    statement: str
    quote: str
    source_kind: str
    split: str


def split_of(item_id: str) -> str:
    """``test`` for two fifths of the ids (by hash), else ``dev``: fixed before any tuning."""
    return "test" if int(hashlib.sha1((SPLIT_SALT + item_id).encode()).hexdigest(), 16) % 5 < 2 else "dev"


# -- perturbations ------------------------------------------------------------------
_NUM = re.compile(r"(?<![\w.])(\d+)(?:\.(\d+))?(?![\d.,]?\d)")
_UNIT_SWAP = {"mg": "g", "g": "mg", "mcg": "mg", "µg": "mg", "kg": "g", "ml": "l", "mL": "L", "hours": "days",
              "hour": "day", "days": "weeks", "day": "week", "weeks": "months", "week": "month",
              "months": "years", "month": "year", "years": "months", "year": "month", "minutes": "hours",
              "min": "h", "h": "min", "mmHg": "cmHg", "%": " mg", "°C": "°F"}
_UNIT_AT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(\s?)(mg|g|mcg|µg|kg|ml|mL|hours|hour|days|day|weeks|week|months|"
                      r"month|years|year|minutes|min|h|mmHg|%|°C)(?![A-Za-z])")
_COMP_SWAP = [("at least", "at most"), ("at most", "at least"), ("more than", "less than"),
              ("less than", "more than"), ("greater than", "less than"), ("fewer than", "more than"),
              ("up to", "at least"), ("above", "below"), ("below", "above"), ("over", "under"),
              ("under", "over"), ("within", "after"), ("≥", "≤"), ("≤", "≥"), (">", "<"), ("<", ">"),
              ("or more", "or less"), ("or less", "or more"), ("or greater", "or lower")]
_AUX = re.compile(r"\b(is|are|was|were|should|may|can|could|did|does|do|will|must|has|have)\b")
_POP_SWAP = {"children": "adults", "adults": "children", "child": "adult", "adult": "child", "women": "men",
             "men": "women", "pregnant": "elderly", "elderly": "pregnant", "infants": "adolescents",
             "adolescents": "infants", "older": "pregnant", "pediatric": "adult", "female": "male", "male": "female"}
_DIR_SWAP = {"increased": "decreased", "decreased": "increased", "increase": "decrease", "decrease": "increase",
             "increases": "decreases", "decreases": "increases", "reduced": "increased", "reduce": "increase",
             "reduces": "increases", "higher": "lower", "lower": "higher", "improved": "worsened",
             "improves": "worsens", "first-line": "second-line", "before": "after", "after": "before",
             "shorter": "longer", "longer": "shorter", "early": "late", "positive": "negative",
             "negative": "positive", "superior": "inferior", "inferior": "superior"}


def _word_swap(text: str, table: dict[str, str], rnd: random.Random) -> str | None:
    hits = [m for m in re.finditer(r"[A-Za-z][A-Za-z\-]*", text) if m.group(0).lower() in table]
    if not hits:
        return None
    m = rnd.choice(hits)
    new = table[m.group(0).lower()]
    if m.group(0)[0].isupper():
        new = new[0].upper() + new[1:]
    return text[:m.start()] + new + text[m.end():]


def perturb_number(text: str, rnd: random.Random) -> str | None:
    hits = [m for m in _NUM.finditer(text) if not (1900 <= int(m.group(1)) <= 2100 and not m.group(2))]
    if not hits:
        return None
    m = rnd.choice(hits)
    whole, frac = int(m.group(1)), m.group(2)
    new = f"{whole}.{(int(frac) + 5) % 10 or 1}" if frac else str(whole + 1 if whole < 10 else round(whole * 1.5))
    return text[:m.start()] + new + text[m.end():] if new != m.group(0) else None


def perturb_unit(text: str, rnd: random.Random) -> str | None:
    hits = list(_UNIT_AT.finditer(text))
    if not hits:
        return None
    m = rnd.choice(hits)
    return text[:m.start(3)] + _UNIT_SWAP[m.group(3)].lstrip() + text[m.end(3):]


def perturb_comparator(text: str, rnd: random.Random) -> str | None:
    """Swap a comparator next to a number (at least -> at most), or add one before a number with a unit."""
    for old, new in _COMP_SWAP:
        if old.startswith("or "):
            pat = rf"(?<=\d)([^.;,\d]{{0,15}}?)\b{old}\b"
        elif old[0].isalpha():
            pat = rf"(?<![A-Za-z]){old}\s*(?=\d)"
        else:
            pat = rf"{re.escape(old)}\s*(?=\d)"
        m = re.search(pat, text)
        if m:
            at = m.start() + (len(m.group(1)) if old.startswith("or ") else 0)
            return text[:at] + new + text[at + len(old):]
    unit = list(_UNIT_AT.finditer(text))
    if unit:
        m = rnd.choice(unit)
        return text[:m.start()] + "more than " + text[m.start():]
    return None


def perturb_negation(text: str, rnd: random.Random) -> str | None:
    m = re.search(r"\s(not|no longer)\s", text)
    if m:
        return text[:m.start()] + " " + text[m.end():]
    m = _AUX.search(text)
    return text[:m.end()] + " not" + text[m.end():] if m else None


def perturb_population(text: str, rnd: random.Random) -> str | None:
    return _word_swap(text, _POP_SWAP, rnd)


def perturb_direction(text: str, rnd: random.Random) -> str | None:
    return _word_swap(text, _DIR_SWAP, rnd)


def drug_perturber(drugs: list[str]) -> Callable[[str, random.Random], str | None]:
    """Replace a drug name of the sentence (from the corpus's drug pages) with another of them."""
    names = sorted({d for d in drugs if len(d) >= 5 and d.isalpha()}, key=str.lower)
    lower = {d.lower() for d in names}
    pattern = re.compile(r"\b(" + "|".join(re.escape(d) for d in sorted(names, key=len, reverse=True)) + r")\b",
                         re.I) if names else None

    def perturb(text: str, rnd: random.Random) -> str | None:
        if pattern is None:
            return None
        hits = list(pattern.finditer(text))
        if not hits:
            return None
        m = rnd.choice(hits)
        present = {h.group(0).lower() for h in hits}
        other = rnd.choice([d for d in names if d.lower() not in present and d.lower() in lower])
        new = other if m.group(0)[0].isupper() else other.lower()
        return text[:m.start()] + new + text[m.end():]

    return perturb


# -- rewrites -------------------------------------------------------------------------
_LEAD = re.compile(r"^(In|For|Among|During|When|If|Once)\s([^,]{3,70}),\s(.+?)([.!?])$")
_PHRASES = [("is recommended", "is advised"), ("are recommended", "are advised"), ("approximately", "about"), ("was associated with", "was linked to"),
            ("were associated with", "were linked to"), ("The use of", "Using"), ("in order to", "to")]
_CONNECTIVE = re.compile(r"^(However|In addition|Therefore|Thus|Furthermore|Moreover|Additionally),\s")
_PAREN = re.compile(r"\s\((?![^()]*\b(?:[Nn]ot?|[Aa]gainst|[Nn]ever|[Ww]ithout)\b)[^()\d]{2,60}\)")


def rewrite(text: str, rnd: random.Random) -> str | None:
    """A meaning-preserving rewrite of ``text``, or None when no rule applies."""
    out = text
    m = _CONNECTIVE.match(out)
    if m:
        rest = out[m.end():]
        out = rest[0].upper() + rest[1:]
    m = _LEAD.match(out)
    if m and rnd.random() < 0.8:
        body = m.group(3)
        out = f"{body[0].upper()}{body[1:]} {m.group(1).lower()} {m.group(2)}{m.group(4)}"
    for old, new in _PHRASES:
        if old in out:
            out = out.replace(old, new, 1)
            break
    out = _PAREN.sub("", out, count=1)
    return out if out != text else None


PERTURBERS: dict[str, Callable[[str, random.Random], str | None]] = {
    "number": perturb_number, "unit": perturb_unit, "comparator": perturb_comparator,
    "negation": perturb_negation, "population": perturb_population, "direction": perturb_direction,
}


# -- data ------------------------------------------------------------------------------
def drug_names(data: Path) -> list[str]:
    """Focus names of the MedQuAD MedlinePlus drug pages (corpus metadata)."""
    out = []
    for p in sorted(_need(data / DRUG_DIR).glob("*.xml")):
        focus = ET.parse(p).getroot().findtext("Focus")
        if focus:
            out.append(focus.strip())
    return out


def sentences(data: Path, files: int) -> Iterator[tuple[str, str, str]]:
    """``(id, sentence, source_kind)`` from ``files`` NGC summaries (evenly spaced) and as many PubMedQA
    abstracts; sentences of 8 to 60 words that are not questions."""
    ngc = sorted(_need(data / NGC_DIR).glob("*.xml"))
    step = max(1, len(ngc) // files)
    for path in [*ngc[::step][:files], _need(data / PUBMEDQA_FILE)]:
        docs = (d for d in detect(path).read(path) if isinstance(d, Document))
        for doc in itertools.islice(docs, files):
            for s in sentences_of(doc):
                text = doc.text[s.start:s.end].strip()
                if 8 <= len(text.split()) <= 60 and not text.endswith("?"):
                    yield f"{doc.id}#{s.idx}", text, doc.source_kind


def document_shares(pool: list[tuple[str, str, str]]) -> Callable[[Sequence[str]], dict[str, float]]:
    """The corpus vocabulary of the pool: the share of its documents holding each (lower-case) word."""
    per_doc: dict[str, set[str]] = {}
    for sid, text, _kind in pool:
        per_doc.setdefault(sid.split("#")[0], set()).update(words(text))
    counts = Counter(w for ws in per_doc.values() for w in ws)
    n = max(1, len(per_doc))
    return lambda ws: {w: counts.get(w, 0) / n for w in ws}


def build(data: Path, *, files: int = 300, per_type: int = 200,
          seed: int = 0) -> tuple[list[Item], Callable[[Sequence[str]], dict[str, float]]]:
    """The benchmark items (up to ``per_type`` of each perturbation type and of rewrites) and the
    vocabulary of the documents they come from."""
    rnd = random.Random(seed)
    perturbers = {**PERTURBERS, "drug": drug_perturber(drug_names(data))}
    pool = list(sentences(data, files))
    shares = document_shares(pool)
    rnd.shuffle(pool)
    items: list[Item] = []
    count = dict.fromkeys([*TYPES, "rewrite"], 0)
    for sid, text, kind in pool:
        for t in [*TYPES, "rewrite"]:
            if count[t] >= per_type:
                continue
            new = rewrite(text, rnd) if t == "rewrite" else perturbers[t](text, rnd)
            if new and new != text:
                iid = f"{sid}:{t}"
                items.append(Item(iid, t, new, text, kind, split_of(iid)))
                count[t] += 1
        if all(c >= per_type for c in count.values()):
            break
    return items, shares


def score(items: list[Item], verifier: Verifier) -> dict[str, Any]:
    """Per split: recall per type, false alarms on rewrites, precision per type, and the misses."""
    out: dict[str, Any] = {}
    for split in ("dev", "test"):
        flagged: dict[str, list[bool]] = {}
        examples: list[dict[str, Any]] = []
        for it in (i for i in items if i.split == split):
            v = verifier.verify(it.statement, [CitedQuote(it.quote, it.source_kind)])
            flagged.setdefault(it.kind, []).append(not v.supported)
            wrong = (it.kind == "rewrite") == (not v.supported)
            if wrong and len(examples) < 200:
                examples.append({**asdict(it), "reasons": v.reasons})
        fa = sum(flagged.get("rewrite", [])) / max(1, len(flagged.get("rewrite", [])))
        recall = {t: round(sum(flagged[t]) / len(flagged[t]), 3) for t in TYPES if flagged.get(t)}
        precision = {t: round(r / (r + fa), 3) if r + fa else 0.0 for t, r in recall.items()}
        out[split] = {"recall": recall, "false_alarm_rewrite": round(fa, 3), "precision": precision,
                      "n": {k: len(v) for k, v in sorted(flagged.items())}, "errors": examples}
    return out


def report_markdown(result: dict[str, Any]) -> str:
    lines = ["# Verifier benchmark", "", "Recall of 'unsupported' per perturbation type; false alarms on "
             "meaning-preserving rewrites; precision on a pool with as many rewrites as perturbations.", "",
             "| split | " + " | ".join(TYPES) + " | rewrite false alarms |", "|---|" + "---:|" * (len(TYPES) + 1)]
    for split in ("dev", "test"):
        r = result[split]
        cells = [f"{r['recall'].get(t, float('nan')):.3f} (n={r['n'].get(t, 0)})" for t in TYPES]
        lines.append(f"| {split} | " + " | ".join(cells) + f" | {r['false_alarm_rewrite']:.3f} "
                     f"(n={r['n'].get('rewrite', 0)}) |")
    lines += ["", "| split | " + " | ".join(f"precision {t}" for t in TYPES) + " |", "|---|" + "---:|" * len(TYPES)]
    for split in ("dev", "test"):
        lines.append(f"| {split} | " + " | ".join(f"{result[split]['precision'].get(t, 0):.3f}" for t in TYPES) + " |")
    if "dev_sweep" in result:
        lines += ["", f"Dev sweep of the rare-word threshold (chosen: {result.get('rare_share')}):", "",
                  "| rare_share | drug recall | rewrite false alarms |", "|---:|---:|---:|"]
        for r, v in result["dev_sweep"].items():
            lines.append(f"| {r} | {v['recall'].get('drug', 0):.3f} | {v['false_alarm_rewrite']:.3f} |")
    return "\n".join(lines) + "\n"


#: Rare-word thresholds of the dev sweep (the ``terms`` check; docs/benchmarks.md).
SWEEP = (0.0, 0.002, 0.005, 0.01, 0.02, 0.05)


def run_verifier(data: Path, out: Path, *, per_type: int = 200, progress: Callable[[str], None] = print,
                 settings: VerifySettings | None = None) -> tuple[dict[str, Any], dict[str, Path]]:
    """Build the items, score the verifier, write report.json, report.md and items.jsonl into ``out``.

    The report also holds, for the dev split only, the sweep over the rare-word
    threshold that chose ``VerifySettings.rare_share``.
    """
    settings = settings or VerifySettings()
    progress("building rewrites and perturbations from the shared corpora ...")
    items, shares = build(data, per_type=per_type)
    progress(f"{len(items)} items; verifying ...")
    result = score(items, RuleVerifier(shares, settings.rare_share))
    dev = [i for i in items if i.split == "dev"]
    result["dev_sweep"] = {str(r): {k: v for k, v in score(dev, RuleVerifier(shares, r))["dev"].items()
                                    if k in ("recall", "false_alarm_rewrite")} for r in SWEEP}
    result["rare_share"] = settings.rare_share
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "markdown": out / "report.md", "items": out / "items.jsonl"}
    paths["json"].write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    paths["markdown"].write_text(report_markdown(result), encoding="utf-8")
    paths["items"].write_text("".join(json.dumps(asdict(i), ensure_ascii=False) + "\n" for i in items),
                              encoding="utf-8")
    return result, paths
