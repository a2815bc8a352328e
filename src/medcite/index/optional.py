"""Import an engine's package lazily, with an error that says how to install it."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, install: str) -> ModuleType:
    """``import module``, or raise a RuntimeError naming the ``pip install`` that brings it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise RuntimeError(f"the {module} engine is not installed; run `pip install {install}`") from exc


def available(module: str) -> bool:
    """True when ``module`` can be imported."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
