"""Fixtures shared by several test modules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

#: A local guideline full of markup that must come out escaped everywhere.
HOSTILE = """---
title: Zebra fever <script>alert(1)</script> guideline
kind: guideline
url: javascript:alert(1)
---
# Zebra fever

Zebra fever is a rare illness with <b>striped</b> rash & <script>alert("x")</script> fever in adults.

Zebra fever is treated with rest and fluids <img src=x onerror=alert(2)>.
"""


def build_web_home(home: Path) -> Path:
    """A real store (two NGC guidelines, NHLBI and MedlinePlus pages, a hostile local file) and two accounts."""
    from medcite.articles import Accounts, ArticleDB
    from medcite.cli.corpus import run_ingest
    from medcite.engine import Engine
    from medcite.settings import Settings

    ngc = CORPORA / "ngc_guideline_summaries" / "summaries"
    if not (ngc / "ngc-10764.xml").exists():
        pytest.skip(f"needs the shared corpora at {CORPORA}")
    (home / "src").mkdir(parents=True)
    (home / "src" / "zebra.md").write_text(HOSTILE, encoding="utf-8")
    engine = Engine(Settings(home=home))
    run_ingest(engine, [str(ngc / "ngc-10764.xml"), str(ngc / "ngc-9975.xml"),
                        str(CORPORA / "medquad" / "8_NHLBI_QA_XML" / "0000135.xml"),
                        str(CORPORA / "medquad" / "4_MPlus_Health_Topics_QA" / "0000942.xml"),
                        str(home / "src" / "zebra.md")], quiet=True)
    engine.close()
    acc = Accounts(ArticleDB(Settings(home=home).articles_path))
    acc.add_user("rita", "reviewer", "rita-password")
    acc.add_user("rex", "reader", "rex-password")
    return home


@pytest.fixture(scope="module")
def web_home_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Build a fresh web test home per calling module."""
    return lambda name: build_web_home(tmp_path_factory.mktemp(name))


#: A guideline written for the tests (no shared corpora needed): a threshold with its unit, an advice
#: against, and a drug dose, so that citations, edits and privacy can be tested on real ingest and ask.
FROSTBITE = Path(__file__).parent / "fixtures" / "frostbite.md"


@pytest.fixture()
def frostbite_home(tmp_path: Path) -> Callable[..., Path]:
    """``make(*users)``: a home with the frostbite guideline ingested from ``home/src`` and the given
    ``(name, role)`` users (password ``<name>-password``)."""
    from medcite.articles import Accounts, ArticleDB
    from medcite.cli.corpus import run_ingest
    from medcite.engine import Engine
    from medcite.settings import Settings

    def make(*users: tuple[str, str]) -> Path:
        home = tmp_path / "home"
        (home / "src").mkdir(parents=True)
        (home / "src" / "frostbite.md").write_text(FROSTBITE.read_text(encoding="utf-8"), encoding="utf-8")
        engine = Engine(Settings(home=home))
        run_ingest(engine, [str(home / "src")], quiet=True)
        engine.close()
        acc = Accounts(ArticleDB(Settings(home=home).articles_path))
        for name, role in users:
            acc.add_user(name, role, f"{name}-password")
        return home

    return make



@pytest.fixture(scope="module")
def engine_of_docs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[dict[str, str]], Any]]:
    """Make a real engine over ``docs`` (file name -> text) ingested into a fresh home; the engines
    made are closed when the module's tests are done."""
    from medcite.engine import Engine
    from medcite.ingest import Ingester
    from medcite.settings import Settings

    made: list[Engine] = []

    def make(docs: dict[str, str]) -> Engine:
        home = tmp_path_factory.mktemp("docs")
        src = home / "src"
        src.mkdir()
        for name, text in docs.items():
            (src / name).write_text(text, encoding="utf-8")
        eng = Engine(Settings(home=home))
        report = Ingester(eng.store, eng.backend, eng.settings.ingest).run([str(src)])
        assert report.documents_written == len(docs), report.problems
        made.append(eng)
        return eng

    yield make
    for eng in made:
        eng.close()
