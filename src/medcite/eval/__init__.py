"""medcite eval: reproducible quality benchmarks with baselines side by side.

Modules: :mod:`datasets` (loaders), :mod:`runs` (TREC run/qrels files),
:mod:`metrics` (ir_measures, rouge-score, ROUGE-SU4), :mod:`baselines`
(plain BM25, first-snippets answers), :mod:`faithfulness` (citation checks),
:mod:`harness` (corpus building and the per-dataset evaluations) and
:mod:`report` (Markdown, JSON, PNG).
"""
