"""One writer per home: ``<home>/writer.lock``, held by ``ingest`` and ``reindex``.

An advisory ``flock`` on the file (released by the kernel when the process
dies, so a killed ingest never leaves a stale lock); the file's text says who
holds it (pid, command, start time) so the second writer's message can say
so. Readers (``ask``, ``serve``) never take it: SQLite's WAL lets them read
during an ingest.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

LOCK_FILENAME = "writer.lock"


class HomeBusy(Exception):
    """Another process is writing to this home."""


class WriterLock:
    """``with WriterLock(home, "ingest"):`` -- refuse (or, with ``wait``, wait for) a second writer.

    Parameters
    ----------
    home
        The medcite home folder (created if missing).
    command
        What this process is doing, for the other writer's message.
    wait
        Seconds to wait for the lock before giving up (0: refuse at once).
    """

    def __init__(self, home: Path, command: str, *, wait: float = 0.0) -> None:
        self.path = Path(home) / LOCK_FILENAME
        self.command = command
        self.wait = wait
        self._fd: int | None = None

    def holder(self) -> str:
        """Who holds the lock, as a phrase ("ingest, pid 123, since 2026-12-01T05:30:00+00:00")."""
        try:
            d = json.loads(self.path.read_text(encoding="utf-8") or "{}")
            return f"{d.get('command', 'a medcite process')}, pid {d.get('pid', '?')}, since {d.get('since', '?')}"
        except (OSError, ValueError):
            return "another medcite process"

    def __enter__(self) -> WriterLock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise HomeBusy(
                        f"another writer holds {self.path.parent} ({self.holder()}); wait for it to finish, "
                        "or pass --wait SECONDS to wait for it"
                    ) from None
                time.sleep(0.2)
        info = {"command": self.command, "pid": os.getpid(),
                "since": datetime.now(UTC).replace(microsecond=0).isoformat()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        import fcntl

        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
