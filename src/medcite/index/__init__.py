"""Search backends and biomedical tokenization."""

from medcite.index.base import DEFAULT_WEIGHTS, ScoredId, SearchBackend
from medcite.index.fts5 import FTS5Backend
from medcite.index.tokenize import tokenize

__all__ = ["DEFAULT_WEIGHTS", "FTS5Backend", "ScoredId", "SearchBackend", "tokenize"]
