"""Typed settings of the web app, built at the edge (``medcite serve``) and passed in."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from medcite.settings import Settings

DEFAULT_POLICY = Path(__file__).with_name("editorial-policy.md")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``.

    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0"), is_loopback("localhost")
    (True, False, True)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class WebSettings:
    """Everything the web app needs; nothing in :mod:`medcite.web` reads the environment."""

    settings: Settings
    host: str = "127.0.0.1"
    port: int = 8000
    #: Mark cookies ``Secure``; on by default off loopback (behind TLS).
    secure_cookies: bool = False
    #: Largest request body accepted (bytes); larger → 413.
    max_body_bytes: int = 64 * 1024
    #: Token bucket per client for requests that generate an answer.
    ask_rate_per_minute: float = 20.0
    ask_burst: int = 5
    session_hours: float = 12.0
    #: The Markdown editorial policy; default: ``<home>/editorial-policy.md`` if present.
    policy_path: Path | None = None
    site_name: str = "medcite"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def articles_path(self) -> Path:
        return self.settings.articles_path

    def resolved_policy(self) -> Path:
        if self.policy_path is not None:
            return self.policy_path
        own = self.settings.home / "editorial-policy.md"
        return own if own.is_file() else DEFAULT_POLICY
