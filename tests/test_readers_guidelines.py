"""Readers for guidelines and patient information: NGC, MedQuAD, MedlinePlus, local files.

Fixtures are real openly licensed files (tests/fixtures/guidelines/README.md);
Markdown, HTML, text and PDF inputs are generated here. Tests on the full
corpora in ../shared/corpora are skipped when it is absent.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import shutil
import time
from pathlib import Path

import pytest

from medcite.model import Document, ReadError
from medcite.readers.base import Reader, ReaderError, read_head
from medcite.readers.guideline_text import split_grade, split_units
from medcite.readers.local import LocalReader
from medcite.readers.medlineplus import MedlinePlusReader
from medcite.readers.medquad import MedQuADReader
from medcite.readers.ngc import NGCReader

FIX = Path(__file__).resolve().parent / "fixtures" / "guidelines"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
NGC_DIR = SHARED / "ngc_guideline_summaries" / "summaries"
MEDQUAD_DIR = SHARED / "medquad"

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"shared corpora not found at {SHARED} (real-data tests skipped)"
)


def docs_of(items: list[Document | ReadError]) -> list[Document]:
    return [d for d in items if isinstance(d, Document)]


def check_offsets(doc: Document) -> None:
    """Every section is a non-empty exact span of the text, in order, not overlapping."""
    prev = 0
    for s in doc.sections:
        span = doc.text[s.start:s.end]
        assert span and span == span.strip(), (doc.id, s)
        assert s.start >= prev
        prev = s.end


def sniff(reader: Reader, path: Path) -> bool:
    return reader.sniff(path, read_head(path))


# --------------------------------------------------------------------------
# NGC
# --------------------------------------------------------------------------


def test_ngc_federal_fixture() -> None:
    path = FIX / "ngc-10510.xml"
    assert sniff(NGCReader(), path)
    [doc] = docs_of(list(NGCReader().read(path)))
    check_offsets(doc)
    assert doc.id == "ngc:10510"
    assert doc.source_kind == "guideline" and doc.source_format == "ngc"
    assert doc.title == "Screening for abdominal aortic aneurysm: U.S. Preventive Services Task Force recommendation statement."
    assert doc.developer == "U.S. Preventive Services Task Force"
    assert doc.extra["developers"] == [{"name": "U.S. Preventive Services Task Force", "type": "Independent Expert Panel"}]
    assert doc.extra["federal"] is True
    assert doc.pmid == "24957320"
    assert doc.year == 2014 and doc.extra["date_released"].startswith("1996 (revised 2014")
    assert doc.url and doc.url.startswith("http") and "guideline.gov" not in doc.url
    assert doc.extra["conditions"] == ["Abdominal aortic aneurysm (AAA)"]
    assert "Screening for abdominal aortic aneurysm" in doc.extra["bibliographic_source"]
    assert doc.rating_scheme and "Grade" in doc.rating_scheme
    recs = [s for s in doc.sections if s.field == "recommendation"]
    b_rec = [s for s in recs if s.grade == "B recommendation"]
    assert len(b_rec) == 1
    s = b_rec[0]
    assert doc.text[s.start:s.end] == (
        "The USPSTF recommends 1-time screening for abdominal aortic aneurysm (AAA) with ultrasonography "
        "in men aged 65 to 75 years who have ever smoked. (B recommendation)"
    )
    assert s.heading == "Summary of Recommendations and Evidence"
    assert {r.grade for r in recs} >= {"B recommendation", "C recommendation", "D recommendation", "I statement"}
    headings = {x.heading for x in doc.sections}
    assert {"Potential Harms", "Target Population"} <= headings
    assert "Copyright" not in doc.text[-2000:] and "NGC Disclaimer" not in headings


def _ngc_xml(fields: dict[str, str]) -> str:
    body = "".join(
        f'<Field FieldID="{fid}" Name="x" Type="text"><FieldValue Value="{value}" /></Field>'
        for fid, value in fields.items()
    )
    return f'<?xml version="1.0"?><Version><xmlSource>NGC</xmlSource><Section Name="S">{body}</Section></Version>'


def test_ngc_mojibake_and_double_escaping(tmp_path: Path) -> None:
    # A synthetic summary: "Â®" mojibake, and a field escaped twice (&amp;lt;p&amp;gt;).
    xml = _ngc_xml({
        "161": "&lt;div&gt;Beers CriteriaÂ® update&lt;/div&gt;",
        "158": "Example Agency - Federal Government Agency [U.S.]",
        "128": "2015 Oct 8",
        "151": "&amp;lt;p&amp;gt;&amp;lt;strong&amp;gt;Screening&amp;lt;/strong&amp;gt;&amp;lt;/p&amp;gt;"
               "&amp;lt;ul&amp;gt;&amp;lt;li&amp;gt;Offer a test if BMI &amp;amp;lt;18. (Grade 1B)&amp;lt;/li&amp;gt;"
               "&amp;lt;li&amp;gt;Clinicians should ask about itâ€™s use.&amp;lt;/li&amp;gt;&amp;lt;/ul&amp;gt;",
    })
    path = tmp_path / "ngc-99999.xml"
    path.write_text(xml, encoding="utf-8")
    assert sniff(NGCReader(), path)
    [doc] = docs_of(list(NGCReader().read(path)))
    check_offsets(doc)
    assert doc.title == "Beers Criteria® update"
    assert doc.date == "2015-10-08" and doc.year == 2015
    assert doc.url == "https://www.guideline.gov/summaries/summary/99999"
    recs = [s for s in doc.sections if s.field == "recommendation"]
    assert [doc.text[s.start:s.end] for s in recs] == [
        "Offer a test if BMI <18. (Grade 1B)",
        "Clinicians should ask about it’s use.",
    ]
    assert recs[0].grade == "Grade 1B" and recs[0].heading == "Screening"
    assert recs[1].grade is None  # ungraded paragraphs stay recommendations


def test_ngc_malformed_xml_reports_position(tmp_path: Path) -> None:
    path = tmp_path / "ngc-1.xml"
    path.write_text('<Version><Section Name="x"><Field FieldID="161">\n<oops></Version>', encoding="utf-8")
    with pytest.raises(ReaderError, match=r"line \d+, column \d+"):
        list(NGCReader().read(path))


def test_ngc_gzip_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ngc-10510.xml.gz"
    path.write_bytes(gzip.compress((FIX / "ngc-10510.xml").read_bytes()))
    assert sniff(NGCReader(), path)
    [doc] = docs_of(list(NGCReader().read(path)))
    assert doc.id == "ngc:10510"


@pytest.mark.parametrize(
    ("printed", "grade", "level"),
    [
        ("Grade - 2; Level of Evidence - C", "Grade - 2", "Level of Evidence - C"),
        ("Strong recommendation, moderate quality evidence", "Strong recommendation", "moderate quality evidence"),
        ("III, B", "B", "III"),
        ("LE=2, GR=C", "GR=C", "LE=2"),
        ("A", "A", None),
        ("Level II", None, "Level II"),
    ],
)
def test_split_grade_keeps_printed_strings(printed: str, grade: str | None, level: str | None) -> None:
    assert split_grade(printed) == (grade, level)


def test_split_units_one_per_graded_recommendation() -> None:
    units = split_units("Do X. [Grade - 1; Level of Evidence - B] Do Y (see Table 2). [Grade - 2; Level of Evidence - C]")
    assert [(u.text, u.grade, u.level) for u in units] == [
        ("Do X. [Grade - 1; Level of Evidence - B]", "Grade - 1", "Level of Evidence - B"),
        ("Do Y (see Table 2). [Grade - 2; Level of Evidence - C]", "Grade - 2", "Level of Evidence - C"),
    ]
    # A year tag or a citation in brackets is not a grade.
    assert split_units("Measure temperature in the axilla. [2007]")[0].grade is None


@needs_shared
def test_ngc_10764_perforator_recommendation() -> None:
    [doc] = docs_of(list(NGCReader().read(NGC_DIR / "ngc-10764.xml")))
    check_offsets(doc)
    perf = [
        s for s in doc.sections
        if "outward flow of >500 ms duration, with a diameter of >3.5 mm" in doc.text[s.start:s.end]
        and "isolated pathologic perforator veins" in doc.text[s.start:s.end]
    ]
    assert len(perf) == 1
    s = perf[0]
    assert s.field == "recommendation"
    assert (s.grade, s.level) == ("Grade - 2", "Level of Evidence - C")
    assert s.heading == "Operative/Endovascular Management"
    text = doc.text[s.start:s.end]
    assert text.startswith("In a patient with isolated pathologic perforator veins")
    assert text.endswith("[Grade - 2; Level of Evidence - C]")
    assert "“pathologic” perforating veins" in text
    assert doc.developer == "American Venous Forum; Society for Vascular Surgery"
    assert doc.pmid == "24974070"


@needs_shared
@pytest.mark.slow
def test_ngc_read_all_under_40_seconds() -> None:
    files = sorted(NGC_DIR.glob("ngc-*.xml"))
    assert len(files) == 1416
    t0 = time.perf_counter()
    n_docs = n_recs = 0
    for f in files:
        for d in NGCReader().read(f):
            assert isinstance(d, Document), str(d)
            n_docs += 1
            n_recs += sum(s.field == "recommendation" for s in d.sections)
    elapsed = time.perf_counter() - t0
    assert n_docs == 1416 and n_recs > 40000
    assert elapsed < 40, f"reading NGC took {elapsed:.1f}s"


# --------------------------------------------------------------------------
# MedQuAD
# --------------------------------------------------------------------------


def test_medquad_document_variant() -> None:
    path = FIX / "medquad-NHLBI-varicose.xml"
    assert sniff(MedQuADReader(), path)
    [doc] = docs_of(list(MedQuADReader().read(path)))
    check_offsets(doc)
    assert doc.id == "medquad:NHLBI-0000135"
    assert doc.title == "Varicose Veins" and doc.source_kind == "patient-info"
    assert doc.url == "http://www.nhlbi.nih.gov/health/health-topics/topics/vv"
    assert doc.cuis and all(c.startswith("C") for c in doc.cuis)
    assert doc.mesh_terms == []
    assert doc.extra["collection"] == "NHLBI"
    assert {"semantic_types", "semantic_group", "synonyms"} <= doc.extra.keys()
    first = doc.sections[0]
    assert first.heading == "What is (are) Varicose Veins ?" and first.label == "information"
    assert doc.text[first.start:first.end].startswith("Varicose")


def test_medquad_lowercase_doc_variant() -> None:
    path = FIX / "medquad-NINDS-0000007-lowercase.xml"
    assert sniff(MedQuADReader(), path)
    [doc] = docs_of(list(MedQuADReader().read(path)))
    check_offsets(doc)
    assert doc.id == "medquad:NINDS-0000007"
    assert doc.title == "Holmes-Adie"
    assert doc.sections[0].heading == "what is holmes-adie syndrome ?"
    assert doc.sections[0].label == "information"
    assert doc.cuis == []


def test_medquad_diseasefile_variant() -> None:
    path = FIX / "medquad-CDC-0000397-diseasefile.xml"
    assert sniff(MedQuADReader(), path)
    [doc] = docs_of(list(MedQuADReader().read(path)))
    check_offsets(doc)
    assert doc.id == "medquad:CDC-0000397"
    assert doc.title == "Parasites - Taeniasis"
    assert doc.url == "http://www.cdc.gov/parasites/taeniasis/"
    assert [s.label for s in doc.sections][:2] == ["information", "susceptibility"]
    assert "Persons who don't eat raw" in doc.text  # &apos; decoded


def test_medquad_empty_answers_are_skipped_not_failed() -> None:
    items = list(MedQuADReader().read(FIX / "medquad-ADAM-0004198-noanswers.xml"))
    assert len(items) == 1 and isinstance(items[0], ReadError)
    assert items[0].reason.startswith("skipped:")
    assert items[0].record == "medquad:ADAM-0004198"


def test_medquad_ids_unique_when_attribute_repeats(tmp_path: Path) -> None:
    # CancerGov files 0000013_2.xml ... 0000013_2_6.xml all say id="0000013_2".
    src = (FIX / "medquad-CDC-0000397-diseasefile.xml").read_text(encoding="utf-8")
    a = tmp_path / "1_CancerGov_QA" / "0000013_2.xml"
    b = tmp_path / "1_CancerGov_QA" / "0000013_2_1.xml"
    a.parent.mkdir()
    for p in (a, b):
        p.write_text(src.replace('fid="0000397" source="CDC"', 'fid="0000013_2"'), encoding="utf-8")
    ids = [docs_of(list(MedQuADReader().read(p)))[0].id for p in (a, b)]
    assert ids == ["medquad:CancerGov-0000013_2", "medquad:CancerGov-0000013_2_1"]


@needs_shared
@pytest.mark.slow
def test_medquad_all_answered_pairs() -> None:
    n_sections = n_skipped = 0
    ids: set[str] = set()
    for f in sorted(MEDQUAD_DIR.glob("*/*.xml")):
        for d in MedQuADReader().read(f):
            if isinstance(d, Document):
                assert d.id not in ids
                ids.add(d.id)
                n_sections += len(d.sections)
            else:
                assert d.reason.startswith("skipped:"), str(d)
                n_skipped += 1
    assert n_sections == 16423  # SOURCE.txt: 16,423 QA pairs with a non-empty answer
    assert len(ids) + n_skipped == 11274


# --------------------------------------------------------------------------
# MedlinePlus
# --------------------------------------------------------------------------


def test_medlineplus_topics() -> None:
    path = FIX / "mplus_topics_2012-07-21.xml"
    assert sniff(MedlinePlusReader(), path)
    assert not sniff(MedQuADReader(), path) and not sniff(NGCReader(), path)
    docs = docs_of(list(MedlinePlusReader().read(path)))
    assert [d.id for d in docs] == ["medlineplus:3061", "medlineplus:3062"]
    en = docs[0]
    check_offsets(en)
    assert en.title == "Abdominal Pain" and en.source_kind == "patient-info"
    assert en.url == "https://www.nlm.nih.gov/medlineplus/abdominalpain.html"
    assert en.mesh_terms == ["Abdominal Pain"]
    assert en.extra["synonyms"] == ["Bellyache"] and en.extra["language"] == "English"
    assert "Your abdomen extends from below your chest to your groin." in en.text  # line breaks joined
    assert "- You have abdominal pain that is sudden and sharp" in en.text
    assert docs[1].extra["language"] == "Spanish"


# --------------------------------------------------------------------------
# Local files
# --------------------------------------------------------------------------

MD = """---
id: vv-pathway
kind: guideline
title: Local varicose vein pathway
developer: Example Hospital Vascular Team
authors: [A. Smith, B. Jones]
date: 2024-03-01
---

# Varicose veins

Some intro text.

## Recommendations

- Offer duplex ultrasound to people with symptomatic varicose veins. (Grade A)
- Do not offer compression hosiery as first-line treatment [Strong]
- Consider foam sclerotherapy when ablation is unsuitable. (Level II)

Discuss the options with the patient.

## Background

Varicose veins are **dilated** superficial veins.
"""


def test_local_markdown_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "pathway.md"
    path.write_text(MD, encoding="utf-8")
    assert sniff(LocalReader(), path)
    [doc] = docs_of(list(LocalReader().read(path)))
    check_offsets(doc)
    assert doc.id == "local:vv-pathway" and doc.source_kind == "guideline"
    assert doc.title == "Local varicose vein pathway"
    assert doc.developer == "Example Hospital Vascular Team"
    assert doc.authors == ["A. Smith", "B. Jones"] and doc.year == 2024
    recs = [s for s in doc.sections if s.field == "recommendation"]
    assert [(doc.text[s.start:s.end], s.grade, s.level) for s in recs] == [
        ("Offer duplex ultrasound to people with symptomatic varicose veins. (Grade A)", "Grade A", None),
        ("Do not offer compression hosiery as first-line treatment [Strong]", "Strong", None),
        ("Consider foam sclerotherapy when ablation is unsuitable. (Level II)", None, "Level II"),
        ("Discuss the options with the patient.", None, None),
    ]
    assert all(s.heading == "Recommendations" for s in recs)
    bg = next(s for s in doc.sections if s.heading == "Background")
    assert doc.text[bg.start:bg.end] == "Varicose veins are dilated superficial veins."


def test_local_markdown_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "Leaflet v2.md"
    path.write_text("# Leg ulcer leaflet\n\nKeep your leg raised.\n", encoding="utf-8")
    (tmp_path / "Leaflet v2.md.meta.json").write_text(
        json.dumps({"kind": "patient-info", "url": "https://example.org/leaflet", "year": 2023}), encoding="utf-8"
    )
    [doc] = docs_of(list(LocalReader().read(path)))
    assert doc.id == "local:leaflet-v2"
    assert doc.source_kind == "patient-info" and doc.url == "https://example.org/leaflet" and doc.year == 2023
    assert doc.title == "Leg ulcer leaflet" and doc.text == "Keep your leg raised."


def test_local_bad_kind_is_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text("---\nkind: blog\n---\nText.\n", encoding="utf-8")
    with pytest.raises(ReaderError, match="must be one of"):
        list(LocalReader().read(path))


def test_local_html(tmp_path: Path) -> None:
    path = tmp_path / "guide.html"
    path.write_text(
        "<!DOCTYPE html><html><head><title>Compression guide</title><style>p{color:red}</style>"
        "<script>var x = 1;</script></head><body><h1>Compression guide</h1>"
        "<h2>Key recommendations</h2><ul><li>Use 20&ndash;30 mm Hg stockings. (Grade B)</li></ul>"
        "<h2>Background</h2><p>Compression &amp; elevation help.</p></body></html>",
        encoding="utf-8",
    )
    assert sniff(LocalReader(), path)
    [doc] = docs_of(list(LocalReader().read(path)))
    check_offsets(doc)
    assert doc.title == "Compression guide" and doc.source_format == "local-html"
    assert "var x" not in doc.text and "color:red" not in doc.text
    [rec] = [s for s in doc.sections if s.field == "recommendation"]
    assert doc.text[rec.start:rec.end] == "Use 20–30 mm Hg stockings. (Grade B)" and rec.grade == "Grade B"
    assert "Compression & elevation help." in doc.text


def test_local_text_and_cp1252_fallback(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes("Caf\u00e9 pathway notes\n\nThe patient\u2019s leg is elevated.\n".encode("cp1252"))
    assert sniff(LocalReader(), path)
    [doc] = docs_of(list(LocalReader().read(path)))
    assert doc.title == "Café pathway notes"
    assert "The patient’s leg is elevated." in doc.text
    assert doc.id == "local:notes"


def _pdf_with_text(lines: list[str]) -> bytes:
    """A minimal valid one-page PDF with a Helvetica text object (offsets computed)."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({ln}) Tj T*" for ln in lines) + " ET"
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def test_local_pdf(tmp_path: Path) -> None:
    path = tmp_path / "leaflet.pdf"
    path.write_bytes(_pdf_with_text(["Venous leg ulcer leaflet", "Walk every day."]))
    assert sniff(LocalReader(), path)
    [doc] = docs_of(list(LocalReader().read(path)))
    check_offsets(doc)
    assert doc.title == "Venous leg ulcer leaflet"
    assert "Walk every day." in doc.text and doc.sections[0].heading == "Page 1"


def test_local_pdf_without_text_encrypted_or_corrupt(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    blank = tmp_path / "scan.pdf"
    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    with open(blank, "wb") as fh:
        w.write(fh)
    with pytest.raises(ReaderError, match="no extractable text"):
        list(LocalReader().read(blank))

    enc = tmp_path / "locked.pdf"
    w2 = PdfWriter()
    w2.add_blank_page(width=200, height=200)
    w2.encrypt(user_password="secret", owner_password="owner")
    with open(enc, "wb") as fh:
        w2.write(fh)
    with pytest.raises(ReaderError, match="encrypted"):
        list(LocalReader().read(enc))

    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage without xref")
    with pytest.raises(ReaderError):
        list(LocalReader().read(bad))


def test_local_sniff_rejects_binary_and_foreign_formats(tmp_path: Path) -> None:
    junk = tmp_path / "junk.md"
    junk.write_bytes(bytes(range(256)) * 8)
    assert not sniff(LocalReader(), junk)
    ctrl = tmp_path / "ctrl.txt"
    ctrl.write_bytes(b"\x01\x02\x03\x04\x05\x06abc" * 100)
    assert not sniff(LocalReader(), ctrl)
    for name in ("ngc-10510.xml", "medquad-NHLBI-varicose.xml", "mplus_topics_2012-07-21.xml"):
        assert not sniff(LocalReader(), FIX / name), name
    js = tmp_path / "data.txt"
    js.write_text('{"123": {"QUESTION": "x"}}', encoding="utf-8")
    assert not sniff(LocalReader(), js)
    other = tmp_path / "data.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    assert not sniff(LocalReader(), other)


# --------------------------------------------------------------------------
# detect() (needs every reader module, some written in parallel)
# --------------------------------------------------------------------------

ALL_READERS = ("pubmed_xml", "medline_text", "jats", "pubmedqa", "bioasq")


@pytest.mark.skipif(
    any(importlib.util.find_spec(f"medcite.readers.{m}") is None for m in ALL_READERS),
    reason="not every reader module exists yet",
)
def test_detect_routes_guideline_formats(tmp_path: Path) -> None:
    from medcite.readers import detect

    expected = {
        "ngc-10510.xml": "ngc",
        "medquad-NHLBI-varicose.xml": "medquad",
        "medquad-NINDS-0000007-lowercase.xml": "medquad",
        "medquad-CDC-0000397-diseasefile.xml": "medquad",
        "medquad-ADAM-0004198-noanswers.xml": "medquad",
        "mplus_topics_2012-07-21.xml": "medlineplus",
    }
    for name, fmt in expected.items():
        assert detect(FIX / name).name == fmt, name
    renamed = tmp_path / "summary.dat"
    shutil.copyfile(FIX / "ngc-10510.xml", renamed)
    assert detect(renamed).name == "ngc"
    md = tmp_path / "pathway.md"
    md.write_text(MD, encoding="utf-8")
    assert detect(md).name == "local"
