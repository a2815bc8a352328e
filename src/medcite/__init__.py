"""medcite: a self-hostable clinical evidence engine.

A question goes in; a structured article comes out whose every statement
cites the exact sentence of a guideline, study or patient-information page
in a local corpus.
"""

from medcite.model import Article, Document, Query, Reference, Section, Statement

__version__ = "0.1.0"

__all__ = ["Article", "Document", "Query", "Reference", "Section", "Statement", "__version__"]
