"""Is a statement supported by the exact quotes it cites? (edited and generated statements)."""

from medcite.verify.model import Check, CitedQuote, Verdict, Verifier
from medcite.verify.rules import RuleVerifier

__all__ = ["Check", "CitedQuote", "RuleVerifier", "Verdict", "Verifier"]
