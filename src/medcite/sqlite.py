"""One SQLite file shared by threads: per-thread connections and transactions.

The evidence store and the article database both need the same plumbing:
SQLite connections may not cross threads, the web app serves from several,
and WAL mode lets readers run while a writer commits.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path


class SQLiteFile:
    """A SQLite database at ``path`` with a connection per thread.

    Parameters
    ----------
    path
        The database file (its folder is created).
    pragmas
        Extra ``PRAGMA`` statements run on every new connection.
    """

    def __init__(self, path: Path, pragmas: tuple[str, ...] = (), *, worker_cache_kib: int | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._pragmas = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", *pragmas)
        self._local = threading.local()
        #: Connections by the thread that owns them; those of finished threads are closed
        #: when a new one opens, so open connections never outnumber live threads.
        self._owners: dict[int, tuple[threading.Thread, sqlite3.Connection]] = {}
        self._lock = threading.Lock()
        self._creator = threading.get_ident()
        #: Page cache of connections opened on other threads (a server's workers):
        #: each keeps its cache while it lives, so a large one per worker adds up.
        self._worker_cache_kib = worker_cache_kib

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (autocommit mode; use :meth:`transaction`)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self._sweep()
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            for pragma in self._pragmas:
                conn.execute(f"PRAGMA {pragma}")
            if self._worker_cache_kib is not None and threading.get_ident() != self._creator:
                conn.execute(f"PRAGMA cache_size=-{int(self._worker_cache_kib)}")
            self._local.conn = conn
            with self._lock:
                self._owners[threading.get_ident()] = (threading.current_thread(), conn)
        return conn

    def _sweep(self) -> None:
        """Close the connections of threads that have ended."""
        with self._lock:
            dead = [k for k, (t, _c) in self._owners.items() if not t.is_alive()]
            conns = [self._owners.pop(k)[1] for k in dead]
        for c in conns:
            with contextlib.suppress(sqlite3.Error):
                c.close()

    def open_connections(self) -> int:
        """Connections currently open (for tests and diagnostics)."""
        with self._lock:
            return len(self._owners)

    def close(self) -> None:
        """Close this thread's connection (others close with their threads)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
            with self._lock:
                self._owners.pop(threading.get_ident(), None)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on any error."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
