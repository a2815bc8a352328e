"""medcite eval: reproducible quality benchmarks with baselines side by side.

Modules: :mod:`datasets` (loaders and the packaged question sets),
:mod:`runs` (TREC run/qrels files), :mod:`metrics` (ir_measures, rouge-score,
ROUGE-SU4), :mod:`baselines` (plain BM25, first-snippets answers),
:mod:`faithfulness` (citation checks, key facts), :mod:`verdict` (PubMedQA
yes/no/maybe), :mod:`harness` (corpus building, shared scoring),
:mod:`suites` (one evaluation per dataset), :mod:`runner` (end to end) and
:mod:`report` (Markdown, JSON, PNG).
"""
