"""Reports: Markdown for people, JSON for machines, a PNG of recall@k curves.

The JSON holds every table, curve, timing and note; the Markdown is
rendered from the same structures, so the two never disagree.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from medcite import __version__
from medcite.eval.harness import DatasetResult, Table


def fmt(value: float | None, metric: str = "") -> str:
    """A table cell: 3 decimals, integers for word counts, ``–`` for not applicable.

    >>> fmt(0.12345), fmt(None), fmt(41.6, "words")
    ('0.123', '–', '42')
    """
    if value is None:
        return "–"
    if metric == "words":
        return f"{value:.0f}"
    return f"{value:.3f}"


def table_markdown(t: Table) -> str:
    head = f"**{t.title}** (n = {t.n})\n\n| system | " + " | ".join(t.metrics) + " |\n"
    head += "|---|" + "---:|" * len(t.metrics) + "\n"
    rows = "".join(
        f"| {system} | " + " | ".join(fmt(vals.get(m), m) for m in t.metrics) + " |\n"
        for system, vals in t.rows.items()
    )
    return head + rows


def section_key(title: str) -> str:
    """A table's stable name: its title up to the first colon or parenthesis.

    >>> section_key("Answers: ROUGE against the reference (50 questions)")
    'Answers'
    """
    return title.split(":")[0].split("(")[0].strip()


def flatten(results: Sequence[DatasetResult]) -> dict[str, float]:
    """``{"dataset/table/system/metric": value}`` for every scored cell (word counts excluded)."""
    out: dict[str, float] = {}
    for r in results:
        for t in r.tables:
            for system, vals in t.rows.items():
                for metric, v in vals.items():
                    if v is not None and metric != "words":
                        out[f"{r.name}/{section_key(t.title)}/{system}/{metric}"] = round(v, 4)
    return out


def to_json(results: Sequence[DatasetResult], meta: dict[str, Any]) -> dict[str, Any]:
    return {"meta": meta, "scores": flatten(results), "datasets": [asdict(r) for r in results]}


def to_markdown(results: Sequence[DatasetResult], meta: dict[str, Any], plot: str | None) -> str:
    lines = [f"# medcite eval report ({meta.get('datasets', '')})", ""]
    lines.append(
        f"medcite {meta.get('version')} · {meta.get('when')} · data `{meta.get('data')}` · "
        f"limit {meta.get('limit')} · answers per dataset {meta.get('answers')} · {meta.get('seconds', 0):.0f} s"
    )
    lines.append("")
    if plot:
        lines += [f"![recall@k]({plot})", ""]
    for r in results:
        lines.append(f"## {r.name} ({r.questions} of {r.total} questions)")
        lines.append("")
        for t in r.tables:
            lines.append(table_markdown(t))
        if r.timings:
            lines.append("Timings (s): " + ", ".join(f"{k} {v}" for k, v in r.timings.items()))
            lines.append("")
        for n in r.notes:
            lines.append(f"- {n}")
        if r.files:
            lines.append(f"- TREC files: {', '.join(f'`{f}`' for f in r.files)}")
        lines.append("")
    return "\n".join(lines)


def plot_curves(results: Sequence[DatasetResult], path: Path) -> bool:
    """One panel per dataset with recall@k per system; False when there is nothing to plot."""
    with_curves = [r for r in results if r.curves]
    if not with_curves:
        return False
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in CI
    import matplotlib.pyplot as plt

    cols = min(3, len(with_curves))
    rows = -(-len(with_curves) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)
    flat = list(axes.flat)
    for ax in flat[len(with_curves):]:
        ax.set_visible(False)
    for ax, r in zip(flat, with_curves, strict=False):
        for system, curve in r.curves.items():
            ks = sorted(curve)
            ax.plot(ks, [curve[k] for k in ks], marker="o", label=system)
        ax.set_xscale("log")
        ax.set_xticks(sorted(next(iter(r.curves.values()))))
        ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("k")
        ax.set_ylabel("recall@k")
        ax.set_title(f"{r.name} (n={r.curve_n or r.questions})")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_report(results: Sequence[DatasetResult], out: Path, meta: dict[str, Any]) -> dict[str, Path]:
    """Write ``report.md``, ``report.json`` and ``recall_at_k.png`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "version": __version__, "when": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "python": platform.python_version(), **meta,
    }
    png = out / "recall_at_k.png"
    has_plot = plot_curves(results, png)
    paths = {"markdown": out / "report.md", "json": out / "report.json"}
    paths["json"].write_text(json.dumps(to_json(results, meta), indent=2, ensure_ascii=False), encoding="utf-8")
    paths["markdown"].write_text(to_markdown(results, meta, png.name if has_plot else None), encoding="utf-8")
    if has_plot:
        paths["plot"] = png
    return paths
