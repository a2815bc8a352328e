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
    #: A trusted intranet may open the library: every question is then listed (home page, API) and
    #: readable by anyone who can reach the server, as before questions were private.
    open_library: bool = False
    #: How new articles are written: ``extractive`` (quotes only) or ``llm`` (a verified summary written by
    #: the language model of ``settings.llm``, over the extractive article).
    synthesizer: str = "extractive"
    #: Peers (addresses or CIDR blocks) trusted to set ``X-Forwarded-For``: a reverse proxy in front of
    #: medcite. Requests from them are rate-limited by the client address the proxy reports; from any
    #: other peer the header is ignored (anyone could send it).
    forwarded_allow_ips: tuple[str, ...] = ()
    #: Failed log-ins of one account before it is locked, and the first lock (doubling with each
    #: further failure, up to an hour): guessing one password is slow from any number of addresses.
    lockout_after: int = 5
    lockout_seconds: float = 30.0
    #: Each server worker's GIL switch interval (ms; Python's default is 5). A new question runs
    #: ~100-200 ms of pure-Python pipeline in a worker thread; with 5 ms slices, every read served
    #: by the same worker waits up to 5 ms at each hand-over. ``bench_load.py`` (20 clients, 30 s,
    #: session 4): reads p95 136-140 ms at 5 ms, 92-103 ms at 1 ms (docs/decisions.md).
    gil_switch_ms: float = 1.0
    extra: dict[str, str] = field(default_factory=dict)

    def trusts_proxy(self, peer: str) -> bool:
        """Whether ``peer`` is one of :attr:`forwarded_allow_ips`.

        >>> WebSettings(Settings(home=Path(".")), forwarded_allow_ips=("10.0.0.0/8",)).trusts_proxy("10.1.2.3")
        True
        """
        try:
            ip = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(n, strict=False) for n in self.forwarded_allow_ips)

    @property
    def articles_path(self) -> Path:
        return self.settings.articles_path

    def resolved_policy(self) -> Path:
        if self.policy_path is not None:
            return self.policy_path
        own = self.settings.home / "editorial-policy.md"
        return own if own.is_file() else DEFAULT_POLICY
