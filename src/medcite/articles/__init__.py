"""Article persistence and the Medical Advisory Board review workflow.

Articles live in ``<home>/articles.sqlite`` (see :mod:`medcite.articles.schema`),
apart from the evidence store.
"""

from medcite.articles.accounts import ROLES, AccountError, Accounts, User
from medcite.articles.content import EditError, diff_articles
from medcite.articles.db import (
    ArticleDB,
    ArticleError,
    ArticleNotFound,
    ArticleRow,
    ReviewConflict,
    VariantRow,
)
from medcite.articles.workflow import STATUS_LABELS, STATUSES, InvalidTransition

__all__ = [
    "ROLES",
    "STATUSES",
    "STATUS_LABELS",
    "AccountError",
    "Accounts",
    "ArticleDB",
    "ArticleError",
    "ArticleNotFound",
    "ArticleRow",
    "EditError",
    "InvalidTransition",
    "ReviewConflict",
    "User",
    "VariantRow",
    "diff_articles",
]
