"""Ingest: files -> readers -> store + index, idempotent and resumable.

Guarantees
----------
* A file whose bytes are unchanged since its last successful ingest is
  skipped by its SHA-256.
* Documents are written in batches of ``batch_size`` per transaction. The
  file is marked done only in the transaction that writes its last batch, so
  a process killed mid-file leaves a consistent store (whole batches only)
  and a rerun re-reads that file, skipping the documents it already stored
  (same content hash) and finishing the rest.
* A document that changed is replaced (and reindexed); documents a changed
  file no longer contains are deleted; nothing is duplicated.
* A bad file or record is reported with its path and reason; every valid
  document is still stored.
"""

from __future__ import annotations

import errno
import glob
import hashlib
import os
import stat
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from medcite.index.base import SearchBackend
from medcite.model import Document, ReadError
from medcite.readers import Reader, ReaderError, detect
from medcite.readers.base import READ_LIMITS, ReadLimits
from medcite.settings import IngestSettings
from medcite.store.db import PIPELINE_VERSION, Store, document_hash

#: Extensions considered when walking a folder (explicit files are always tried).
CONTENT_SUFFIXES = {".xml", ".nxml", ".gz", ".json", ".txt", ".md", ".markdown", ".html", ".htm", ".pdf",
                    ".medline", ".nbib"}
#: Names that describe a corpus rather than belong to it.
NOT_CONTENT_PREFIXES = ("readme", "license", "licence", "copying", "source.txt", "attribution", "notice",
                        "changelog", "demo_question")

COUNT_KEYS = ("ingested", "updated", "unchanged", "skipped", "failed")


@dataclass(slots=True)
class FormatCounts:
    files: int = 0
    ingested: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0


@dataclass(slots=True)
class IngestReport:
    """What an ingest run did, per format, with every problem spelled out."""

    by_format: dict[str, FormatCounts] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: Not failures: duplicates kept once, for example.
    warnings: list[str] = field(default_factory=list)
    skipped_reasons: Counter[str] = field(default_factory=Counter)
    failed_files: list[str] = field(default_factory=list)
    #: Files that vanished from an ingested folder and whose documents were removed.
    removed_files: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def fmt(self, name: str) -> FormatCounts:
        return self.by_format.setdefault(name, FormatCounts())

    @property
    def documents_written(self) -> int:
        return sum(c.ingested + c.updated for c in self.by_format.values())

    @property
    def documents_seen(self) -> int:
        return sum(c.ingested + c.updated + c.unchanged for c in self.by_format.values())

    @property
    def failed(self) -> bool:
        return bool(self.failed_files) or any(c.failed for c in self.by_format.values())

    def to_dict(self) -> dict[str, object]:
        return {
            "seconds": round(self.seconds, 3),
            "by_format": {k: {f: getattr(v, f) for f in ("files", *COUNT_KEYS)} for k, v in self.by_format.items()},
            "problems": self.problems,
            "warnings": self.warnings,
            "failed_files": self.failed_files,
            "removed_files": self.removed_files,
        }


def _skip_name(p: Path) -> bool:
    name = p.name.lower()
    return (
        name.startswith(".")
        or name.startswith(NOT_CONTENT_PREFIXES)
        or name.endswith(".meta.json")
        or not (set(s.lower() for s in p.suffixes[-2:]) & CONTENT_SUFFIXES)
    )


def _why_missing(p: Path) -> str:
    """Why a path given on the command line is neither a file nor a folder."""
    try:
        st = p.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop; point it at a real file or folder"
        if p.is_symlink():
            return "broken symbolic link (its target does not exist)"
        if isinstance(exc, PermissionError):
            return "permission denied; make it readable by this user"
        return "no such file or folder"
    kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
            else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "not a regular file")
    return f"{kind}, not a file or folder medcite can read"


def _walk(folder: Path, problems: list[str]) -> list[Path]:
    """Content files below ``folder`` (hidden entries left out); unreadable subfolders reported."""
    out: list[Path] = []

    def onerror(exc: OSError) -> None:
        problems.append(f"{exc.filename}: cannot read folder ({exc.strerror}); its files were not ingested")

    for root, dirs, files in os.walk(folder, onerror=onerror):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            f = Path(root) / name
            if not name.startswith(".") and f.is_file() and not _skip_name(f):
                out.append(f)
    return sorted(out)  # the order earlier versions used: first-seen duplicates stay the same


def expand_paths(
    paths: Iterable[str | Path], problems: list[str] | None = None,
) -> tuple[list[Path], list[Path], list[str]]:
    """Resolve files, folders and globs.

    Returns
    -------
    explicit, walked, missing
        Files named directly (always tried), files found in folders (tried
        when they look like content), and ``"argument: reason"`` lines for
        arguments that matched nothing readable. Unreadable subfolders are
        appended to ``problems``.
    """
    explicit: list[Path] = []
    walked: list[Path] = []
    missing: list[str] = []
    sink = problems if problems is not None else []
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            walked.extend(_walk(p, sink))
        elif p.is_file():
            explicit.append(p)
        else:
            # Globs the shell did not expand (quoted, or on Windows); absolute or relative, "**" too.
            matches = (
                sorted(Path(m) for m in glob.glob(str(p), recursive=True)) if any(ch in str(raw) for ch in "*?[") else []
            )
            files = [m for m in matches if m.is_file()]
            if files:
                explicit.extend(files)
            else:
                missing.append(f"{raw}: {_why_missing(p) if not matches else 'the pattern matches no file'}")
    seen: set[str] = set()
    resolve = Resolver()

    def first_time(f: Path) -> bool:
        key = resolve(f)
        if key in seen:
            return False
        seen.add(key)
        return True

    return [f for f in explicit if first_time(f)], [f for f in walked if first_time(f)], missing


class Resolver:
    """``_safe_key`` with each folder's real path looked up once.

    ``Path.resolve`` checks every component of every path for a symbolic link:
    over the shared corpus's 12,700 files one pass took 0.71 s, and an ingest
    made six (session 10). A file in a folder already resolved needs one
    ``lstat`` (is it a link itself?): 0.20 s a pass. Memoised folders are kept
    per instance: an ingest run owns one.
    """

    def __init__(self) -> None:
        self._dirs: dict[str, str] = {}

    def __call__(self, path: Path) -> str:
        try:
            if path.name in ("", ".", "..") or path.is_symlink():
                key = _safe_key(path)
            else:
                parent = str(path.parent.absolute())
                real = self._dirs.get(parent)
                if real is None:
                    real = self._dirs[parent] = _safe_key(Path(parent))
                key = real.rstrip("/") + "/" + _safe_name(path.name)
        except OSError:
            key = _safe_key(path)
        return key


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _has_prose(doc: Document) -> bool:
    """Plain-text files that are lists of ids or numbers are not documents."""
    words = doc.text.split()
    if len(words) < 5:
        return False
    alpha = sum(1 for w in words if sum(ch.isalpha() for ch in w) >= 2)
    return alpha / len(words) >= 0.5


ProgressFn = Callable[[Path, int], None]
FileDoneFn = Callable[[Path], None]


def _safe_key(path: Path) -> str:
    """The file's resolved path as storable text: bytes that are not UTF-8 become backslash escapes.

    >>> _safe_key(Path("/tmp/bad" + chr(0xDCFF) + "x.md")) == "/tmp/bad" + chr(92) + "xffx.md"
    True
    """
    try:
        p = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: report it under the name given
        p = path.absolute()
    return _safe_name(str(p))


def _safe_name(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _why(exc: BaseException) -> str:
    """A one-line reason that says what to do."""
    if isinstance(exc, PermissionError):
        return "permission denied; make the file readable by this user (chmod) or leave it out"
    if isinstance(exc, RecursionError):
        return "nested too deeply to parse (thousands of levels); this is not a document medcite reads"
    if isinstance(exc, UnicodeError):
        return f"text or file name cannot be encoded ({exc.reason if hasattr(exc, 'reason') else exc}); rename or re-save it as UTF-8"
    return f"cannot read: {getattr(exc, 'strerror', None) or exc}"


class Ingester:
    """Writes what readers produce into a store and its index.

    Parameters
    ----------
    store
        The evidence store.
    backend
        The search backend; passages are added in the store's transaction.
    settings
        Limits and batch size.
    on_progress
        Called as ``on_progress(path, documents_done_in_file)`` for progress
        output; the CLI draws a bar with it.
    on_file_done
        Called with each path once it has been dealt with (in any way).
    """

    def __init__(
        self,
        store: Store,
        backend: SearchBackend,
        settings: IngestSettings | None = None,
        on_progress: ProgressFn | None = None,
        on_file_done: FileDoneFn | None = None,
    ) -> None:
        self.store = store
        self.on_file_done = on_file_done
        self.backend = backend
        self.settings = settings or IngestSettings()
        self.on_progress = on_progress
        self._seen_ids: dict[str, str] = {}
        self._key = Resolver()

    def run(self, paths: Iterable[str | Path], report: IngestReport | None = None) -> IngestReport:
        limits = ReadLimits(self.settings.max_expanded_size, self.settings.max_expansion_ratio,
                            max_document_bytes=self.settings.max_document_chars)
        token = READ_LIMITS.set(limits)
        try:
            return self._run(paths, report)
        finally:
            READ_LIMITS.reset(token)

    def _run(self, paths: Iterable[str | Path], report: IngestReport | None) -> IngestReport:
        report = report or IngestReport()
        t0 = time.perf_counter()
        self._key = Resolver()  # folders resolved during an earlier run may have changed since
        folder_problems: list[str] = []
        explicit, walked, missing = expand_paths(paths, folder_problems)
        # A mirror left behind by a killed run is rebuilt before it is added to.
        ensure_fresh = getattr(self.backend, "ensure_fresh", None)
        if ensure_fresh is not None:
            ensure_fresh()
        for m in missing:
            report.problems.append(m)
            report.failed_files.append(m.rsplit(": ", 1)[0])
        report.problems += folder_problems
        try:
            for f, is_explicit in [(f, True) for f in explicit] + [(f, False) for f in walked]:
                counted = {k: c.files for k, c in report.by_format.items()}
                try:
                    self.ingest_file(f, report, explicit=is_explicit)
                except (OSError, RecursionError, UnicodeError) as exc:
                    # One file's failure (unreadable, nested too deep for the parser, a name
                    # or text that cannot be encoded) is reported and never costs the others.
                    fmt = next((k for k, c in report.by_format.items() if c.files > counted.get(k, 0)), None)
                    if fmt is None:
                        self._fail(report, "unknown", self._key(f), _why(exc), None, 0)
                    else:  # already counted under its format: count the failure there
                        report.by_format[fmt].failed += 1
                        report.failed_files.append(self._key(f))
                        report.problems.append(f"{self._key(f)}: {_why(exc)}")
                if self.on_file_done:
                    self.on_file_done(f)
            self._removed_files(paths, {self._key(f) for f in [*explicit, *walked]}, report)
        finally:
            self._after_commit(final=True)
        report.seconds = time.perf_counter() - t0
        return report

    # -- files that disappeared ------------------------------------------------
    def _removed_files(self, paths: Iterable[str | Path], present: set[str], report: IngestReport) -> None:
        """Report (and with ``prune``, remove) files recorded under the folders given that no longer exist.

        A document they held that another file also holds (skipped then as a
        duplicate) is taken over by that file, read again now.
        """
        gone: list[str] = []
        for raw in paths:
            p = Path(raw).expanduser()
            if p.is_dir():
                gone += [f for f in self.store.files_under(_safe_key(p)) if f not in present and not Path(f).exists()]
        removed: list[str] = []
        for key in dict.fromkeys(gone):
            docs = self.store.documents_from(key)
            if not self.settings.prune:
                report.warnings.append(f"{key}: no longer exists; its {len(docs)} documents are kept (--keep-removed)")
                continue
            with self.store.transaction():
                for doc_id in docs:
                    self.backend.remove(self.store.delete_document(doc_id))
                self.store.forget_file(key)
                if docs:
                    self._bump()
            self._after_commit()
            removed += docs
            report.removed_files.append(key)
            report.warnings.append(f"{key}: no longer exists; its {len(docs)} documents were removed")
        for holder in self.store.duplicate_holders(removed):
            if Path(holder).exists():
                for doc_id in removed:
                    self._seen_ids.pop(doc_id, None)
                report.warnings.append(f"{holder}: takes over documents of a removed file")
                self.ingest_file(Path(holder), report, force=True)

    # -- one file ----------------------------------------------------------
    def ingest_file(self, path: Path, report: IngestReport, *, explicit: bool = True, force: bool = False) -> None:
        key = self._key(path)
        try:
            size = path.stat().st_size
        except OSError as exc:
            self._fail(report, "unknown", key, f"cannot stat: {exc.strerror}", None, 0)
            return
        if size > self.settings.max_file_size:
            self._fail(
                report, "unknown", key,
                f"file is {size / 1024**2:.0f} MiB, over the {self.settings.max_file_size / 1024**2:.0f} MiB "
                "limit; split it or raise --max-file-size", None, size,
            )
            return
        sha = file_sha256(path)
        rec = self.store.file_record(key)
        if (not force and rec is not None and rec.sha256 == sha and rec.status == "done"
                and rec.pipeline == PIPELINE_VERSION):
            c = report.fmt(rec.format or "unknown")
            c.files += 1
            c.unchanged += rec.documents
            for doc_id in self.store.documents_from(key):
                self._seen_ids.setdefault(doc_id, key)
            if self.on_progress:
                self.on_progress(path, rec.documents)
            return
        try:
            reader = detect(path)
        except ReaderError as exc:
            if not explicit and str(exc).startswith("unknown format"):
                report.fmt("unknown").skipped += 1
                report.skipped_reasons[f"{key}: not a document format medcite reads (skipped)"] += 1
                return
            self._fail(report, "unknown", key, str(exc), sha, size)
            return
        self._ingest_with(reader, path, key, sha, size, report)

    def _fail(self, report: IngestReport, fmt: str, key: str, reason: str, sha: str | None, size: int) -> None:
        c = report.fmt(fmt)
        c.files += 1
        c.failed += 1
        report.failed_files.append(key)
        report.problems.append(f"{key}: {reason}")
        if sha is not None:
            with self.store.transaction():
                self.store.record_file(key, sha, size, fmt, "failed", 0, reason)

    def _ingest_with(self, reader: Reader, path: Path, key: str, sha: str, size: int, report: IngestReport) -> None:
        c = report.fmt(reader.name)
        c.files += 1
        kept: set[str] = set()
        batch: list[Document] = []
        done = 0
        file_error: str | None = None
        record_errors = 0
        try:
            for item in self._items(reader, path):
                if isinstance(item, ReadError):
                    if item.reason.startswith("skipped"):
                        c.skipped += 1
                        report.skipped_reasons[item.reason] += 1
                    else:
                        c.failed += 1
                        record_errors += 1
                        report.problems.append(str(item))
                    continue
                doc = item
                if len(doc.text) > self.settings.max_document_chars:
                    c.failed += 1
                    record_errors += 1
                    report.problems.append(
                        f"{key} [{doc.id}]: {len(doc.text) / 1024**2:.0f} MB of text in one document, over the "
                        f"{self.settings.max_document_chars / 1024**2:.0f} MB limit; split the file"
                    )
                    continue
                if doc.source_format == "":
                    doc.source_format = reader.name
                if doc.source_format.startswith("local") and not _has_prose(doc):
                    c.skipped += 1
                    report.skipped_reasons["skipped: plain-text file without prose (ids or numbers)"] += 1
                    continue
                owner = self._seen_ids.get(doc.id)
                if doc.id in kept or (owner is not None and owner != key):
                    c.skipped += 1
                    if doc.id not in kept and owner is not None:
                        with self.store.transaction():
                            self.store.record_duplicate(doc.id, key)
                    where = "earlier in this file" if doc.id in kept else f"from {owner}"
                    report.warnings.append(f"{key}: duplicate id {doc.id}, already ingested {where}; kept the first")
                    continue
                kept.add(doc.id)
                self._seen_ids[doc.id] = key
                batch.append(doc)
                if len(batch) >= self.settings.batch_size:
                    self._write(batch, key, c, report)
                    done += len(batch)
                    batch = []
                    if self.on_progress:
                        self.on_progress(path, done)
        except ReaderError as exc:
            file_error = str(exc)
        except MemoryError:
            file_error = "out of memory while reading; split the file"
        done += len(batch)
        # The last batch, stale-document cleanup and the file record commit together.
        status = "done" if file_error is None else ("partial" if done else "failed")
        with self.store.transaction():
            changed = self._write(batch, key, c, report, in_tx=True)
            if file_error is None:
                stale = [d for d in self.store.documents_from(key) if d not in kept]
                for doc_id in stale:
                    self.backend.remove(self.store.delete_document(doc_id))
                changed = changed or bool(stale)
            if changed:
                self._bump()
            self.store.record_file(key, sha, size, reader.name, status, done, file_error, PIPELINE_VERSION)
        self._after_commit()
        if self.on_progress:
            self.on_progress(path, done)
        if file_error is not None:
            c.failed += 1
            report.failed_files.append(key)
            report.problems.append(f"{key}: {file_error}" + (f" (kept {done} documents read before it)" if done else ""))
        elif record_errors:
            report.failed_files.append(key)

    # An index kept outside SQLite (the tantivy mirror) follows the store's
    # generation; these hooks are absent on plain backends.
    def _bump(self) -> None:
        before = self.store.generation()
        after = self.store.bump_generation()
        note = getattr(self.backend, "note_generation", None)
        if note is not None:
            note(before, after)

    def _after_commit(self, *, final: bool = False) -> None:
        hook = getattr(self.backend, "after_commit", None)
        if hook is not None:
            hook(final=final)

    @staticmethod
    def _items(reader: Reader, path: Path) -> Iterator[Document | ReadError]:
        yield from reader.read(path)

    def _write(self, docs: list[Document], key: str, c: FormatCounts, report: IngestReport, *, in_tx: bool = False) -> bool:
        """Store ``docs``; True when any passage changed (the caller bumps the generation)."""
        if not docs:
            return False
        if not in_tx:
            with self.store.transaction():
                if self._write(docs, key, c, report, in_tx=True):
                    self._bump()
            self._after_commit()
            return False
        changed = False
        for doc in docs:
            h = document_hash(doc)
            prev = self.store.existing(doc.id)
            if prev is not None:
                prev_path, prev_hash = prev
                # First file wins while it still exists: another file's copy of
                # the same id is reported, never silently swapped in.
                if prev_path != key and Path(prev_path).exists():
                    c.skipped += 1
                    self.store.record_duplicate(doc.id, key)
                    report.warnings.append(
                        f"{key}: duplicate id {doc.id}, already ingested from {prev_path}; kept the first"
                    )
                    continue
                if prev_hash == h and prev_path == key:
                    c.unchanged += 1
                    continue
                self.backend.remove(self.store.delete_document(doc.id))
                c.updated += 1
            else:
                c.ingested += 1
            self.backend.add(self.store.put_document(doc, source_path=key, content_hash=h))
            changed = True
        return changed
