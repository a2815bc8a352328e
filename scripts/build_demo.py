#!/usr/bin/env python3
"""Rebuild the bundled demo corpus ``src/medcite/demo/`` from ``../shared/corpora``.

Usage::

    python scripts/build_demo.py [--corpora ../shared/corpora] [--out src/medcite/demo]

What goes in (all openly licensed; see the generated ATTRIBUTION.md):

* NGC guideline summaries whose every "Guideline Developer(s)" value is a
  U.S. federal agency ("... - Federal Government Agency [U.S.]") or the U.S.
  Preventive Services Task Force (convened by AHRQ): U.S. government works.
  Bytes unchanged, stored gzipped (``ngc-N.xml.gz``) to keep the package small.
* MedQuAD (CC BY 4.0) documents that have answers and whose focus matches a
  condition of those guidelines or the venous-disease topics (keyword list
  below), from the NIH/CDC collections; gzipped, bytes unchanged.
* PubMedQA ``ori_pqal.json`` (MIT), gzipped, with its LICENSE.

The readers gunzip transparently, so the demo ingests like the originals.
Output is deterministic (sorted inputs, gzip mtime 0).
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import sys
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from medcite.readers.ngc import F_DEVELOPER, is_federal  # noqa: E402

#: MedQuAD collections with answers and a U.S. government origin.
MEDQUAD_FOLDERS = (
    "4_MPlus_Health_Topics_QA", "8_NHLBI_QA_XML", "5_NIDDK_QA", "7_SeniorHealth_QA",
    "9_CDC_QA", "1_CancerGov_QA", "6_NINDS_QA",
)
#: Focus keywords: the venous topics of the sample article, then the conditions
#: the federal guidelines cover (USPSTF screening topics, VA/DoD, CDC, NHLBI).
FOCUS_KEYWORDS = (
    "varicose", "venous", "vein", "veins", "thrombosis", "thrombophlebitis", "pulmonary embolism", "leg ulcer",
    "aortic aneurysm", "peripheral arterial", "peripheral artery", "carotid", "sickle cell", "high blood pressure", "hypertension",
    "cholesterol", "diabetes", "obesity", "overweight", "depression", "suicide", "posttraumatic stress",
    "concussion", "traumatic brain injury", "low back pain", "back pain", "chronic pain", "opioid",
    "substance", "alcohol", "tobacco", "smoking", "copd", "chronic obstructive", "kidney disease",
    "hepatitis b", "hepatitis c", "hiv", "syphilis", "chlamydia", "gonorrhea", "genital herpes",
    "tuberculosis", "breast cancer", "colorectal cancer", "lung cancer", "skin cancer", "melanoma",
    "ovarian cancer", "thyroid", "oral cancer", "celiac", "sleep apnea", "glaucoma", "preeclampsia",
    "scoliosis", "osteoporosis", "anemia", "tooth decay", "dental caries", "autism", "neural tube",
    "stroke", "heart attack", "coronary", "amputation", "cognitive impairment", "dementia",
)
_KW = re.compile(r"\b(?:" + "|".join(re.escape(k) for k in FOCUS_KEYWORDS) + r")\b", re.I)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def gzip_copy(src: Path, dst: Path) -> None:
    """Gzip ``src`` to ``dst`` deterministically (no name, mtime 0)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(dst, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(src.read_bytes())


def federal_ngc(folder: Path) -> list[tuple[Path, str, str]]:
    """``(file, title, developers)`` of the federal NGC summaries."""
    out = []
    for f in sorted(folder.glob("ngc-*.xml"), key=lambda p: int(re.sub(r"\D", "", p.name) or 0)):
        root = etree.parse(str(f), _PARSER).getroot()
        devs = [v.get("Value") or "" for fl in root.iter("Field") if fl.get("FieldID") == F_DEVELOPER
                for v in fl.iter("FieldValue")]
        if is_federal(devs):
            title = next((v.get("Value") or "" for fl in root.iter("Field") if fl.get("FieldID") == "161"
                          for v in fl.iter("FieldValue")), "")
            out.append((f, re.sub(r"<[^>]+>", "", title).strip(), "; ".join(devs)))
    return out


def medquad_subset(folder: Path) -> list[Path]:
    """Answered MedQuAD files whose focus matches :data:`FOCUS_KEYWORDS`."""
    out = []
    for sub in MEDQUAD_FOLDERS:
        for f in sorted((folder / sub).glob("*.xml")):
            root = etree.parse(str(f), _PARSER).getroot()
            focus = " ".join(t.text or "" for t in root.iter("Focus", "doctitle-focus"))
            answered = any((a.text or "").strip() for a in root.iter("Answer", "answer"))
            if answered and _KW.search(focus):
                out.append(f)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "medcite" / "demo")
    args = ap.parse_args(argv)
    src: Path = args.corpora
    out: Path = args.out
    if not (src / "ngc_guideline_summaries").is_dir():
        print(f"corpora not found at {src}", file=sys.stderr)
        return 2
    keep = {"ATTRIBUTION.md", "DEMO_QUESTION.txt"}  # hand-written; not regenerated
    for child in out.iterdir() if out.is_dir() else []:
        if child.name not in keep:
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    out.mkdir(parents=True, exist_ok=True)

    ngc = federal_ngc(src / "ngc_guideline_summaries" / "summaries")
    for f, _, _ in ngc:
        gzip_copy(f, out / "ngc" / (f.name + ".gz"))
    (out / "ngc" / "FILES.tsv").write_text(
        "file\tdeveloper\ttitle\n" + "".join(f"{f.name}\t{d}\t{t}\n" for f, t, d in ngc), encoding="utf-8"
    )

    mq = medquad_subset(src / "medquad")
    for f in mq:
        gzip_copy(f, out / "medquad" / f.parent.name / (f.name + ".gz"))
    shutil.copyfile(src / "medquad" / "LICENSE.txt", out / "medquad" / "LICENSE.txt")

    gzip_copy(src / "pubmedqa" / "data" / "ori_pqal.json", out / "pubmedqa" / "ori_pqal.json.gz")
    shutil.copyfile(src / "pubmedqa" / "LICENSE", out / "pubmedqa" / "LICENSE")

    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"NGC federal summaries: {len(ngc)}; MedQuAD files: {len(mq)}; total {total / 1e6:.2f} MB -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
