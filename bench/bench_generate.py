"""Generation benchmark: the LLM synthesizer next to the extractive one, on the realistic questions.

    python bench/bench_generate.py --home H --llm-url http://127.0.0.1:8080/v1 --limit 20

Per article: seconds, completion tokens per second of the whole call (as the endpoint reports them), generated sentences and the share kept by the verifier, key-fact recall of the summary
alone and of the whole article, and words; the extractive article of the same question beside it.
Dev-split questions only (the test split is for `medcite eval realistic`). Say what the model can
and cannot do from these numbers; a larger model is for the operator to measure with this command.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

from medcite.engine import Engine
from medcite.eval.faithfulness import article_text, keyfact_recall
from medcite.eval.realistic import ask, load_realistic
from medcite.model import Article
from medcite.settings import Settings

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def summary_text(a: Article) -> str:
    return "\n".join(st.text for sec in a.sections if sec.kind == "summary" for sub in sec.subsections
                     for st in sub.statements)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, required=True, help="an ingested home (the whole shared corpus)")
    ap.add_argument("--llm-url", required=True)
    ap.add_argument("--llm-model", default="default")
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("--data", type=Path, default=CORPORA)
    args = ap.parse_args()
    settings = Settings(home=args.home)
    settings = dataclasses.replace(settings, llm=dataclasses.replace(settings.llm, url=args.llm_url,
                                                                     model=args.llm_model, timeout=180))
    eng = Engine(settings, must_exist=True)
    llm = eng.synthesizer("llm")
    _ds, rs = load_realistic(args.data)
    qs = [q for q in rs.questions if rs.split[q.qid] == "dev"][:args.limit]
    rows = []
    for q in qs:
        t0 = time.perf_counter()
        ext = ask(eng, q, rs.thread.get(q.qid, []))
        t_ext = time.perf_counter() - t0
        eng_q = dataclasses.replace(q)
        t0 = time.perf_counter()
        # The same question through the LLM synthesizer (threads replayed the same way).
        tid = None
        for prior in rs.thread.get(q.qid, []):
            tid = eng.ask(prior, audience=q.audience, thread=tid).thread_id  # type: ignore[arg-type]
        from medcite.answer.pipeline import answer

        gen = answer(eng, eng_q.question, audience=q.audience, thread=tid, synthesizer=llm)
        t_gen = time.perf_counter() - t0
        g = gen.generation or {}
        rows.append({
            "id": q.qid, "t_ext": t_ext, "t_gen": t_gen, "llm_s": g.get("seconds", 0.0),
            # Completion tokens over the whole call (prompt processing included): what a reader waits for.
            "tok_s": (g["completion_tokens"] / g["seconds"]) if g.get("completion_tokens") and g.get("seconds")
            else 0.0, "prompt_tokens": g.get("prompt_tokens") or 0,
            "generated": g.get("generated", 0), "kept": g.get("kept", 0), "fallback": g.get("fallback"),
            "kf_ext": keyfact_recall(q.facts, article_text(ext)) if ext.answerable else 0.0,
            "kf_summary": keyfact_recall(q.facts, summary_text(gen)), "kf_gen": keyfact_recall(q.facts, article_text(gen))
            if gen.answerable else 0.0,
            "w_ext": len(article_text(ext).split()), "w_summary": len(summary_text(gen).split()),
        })
        print(f"{q.qid}: {t_gen:5.1f} s, kept {rows[-1]['kept']}/{rows[-1]['generated']}"
              f"{'  fallback: ' + str(g.get('fallback'))[:60] if g.get('fallback') else ''}")
    eng.close()
    gen_total = sum(r["generated"] for r in rows)
    mean = statistics.mean
    print(f"\n{len(rows)} dev questions, model at {args.llm_url}")
    print(f"prompt tokens per article (mean): {mean(r['prompt_tokens'] for r in rows):.0f}")
    print("| synthesizer | s/article (p50) | completion tokens/s | sentences kept | key-fact recall | words |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| extractive | {statistics.median(r['t_ext'] for r in rows):.2f} | – | – | "
          f"{mean(r['kf_ext'] for r in rows):.3f} | {mean(r['w_ext'] for r in rows):.0f} |")
    print(f"| llm: summary alone | {statistics.median(r['t_gen'] for r in rows):.2f} | "
          f"{mean(r['tok_s'] for r in rows):.0f} | {sum(r['kept'] for r in rows)}/{gen_total} "
          f"({sum(r['kept'] for r in rows) / max(1, gen_total):.0%}) | {mean(r['kf_summary'] for r in rows):.3f} | "
          f"{mean(r['w_summary'] for r in rows):.0f} |")
    print(f"| llm: summary + extractive | | | | {mean(r['kf_gen'] for r in rows):.3f} | "
          f"{mean(r['w_summary'] + r['w_ext'] for r in rows):.0f} |")
    print(f"articles with no kept sentence (extractive only): {sum(1 for r in rows if r['kept'] == 0)}/{len(rows)}")


if __name__ == "__main__":
    main()
