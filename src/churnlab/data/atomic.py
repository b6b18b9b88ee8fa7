"""Outputs that appear whole or not at all, and never in place of an input.

Every file churnlab writes goes through a hidden temporary file beside its target, which is
moved into place only when it is complete (:func:`atomic_output`). A run that writes several
files writes them all into a hidden staging folder first and moves them into place together at
the end (:func:`outputs_together`), so a run that fails -- a bad option found late, a full disk,
a store that cannot be written -- leaves none of its outputs behind and no earlier output
changed.

Each temporary file and staging folder is locked (``flock``) by the process that writes it for
as long as it lives. A process killed with ``kill -9`` cannot remove its temporaries, but its
lock dies with it: the next run that writes to the same place removes the temporaries whose
lock it can take, which proves that their writer is gone. SIGTERM is turned into a clean stop
by the command line (:func:`churnlab.cli.main`), which removes them at once; once a run's
outputs are in place (:func:`outputs_published`), the run is done and a SIGTERM no longer
undoes it.

:func:`refuse_overwriting_inputs` checks, before any work, that no output names an input.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import signal
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import IO

from churnlab.errors import UsageError

try:  # POSIX; elsewhere temporaries are not locked and stale ones are left in place
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["atomic_output", "outputs_published", "outputs_together", "refuse_overwriting_inputs"]

#: The suffix of every temporary file and staging folder churnlab makes.
TEMPORARY_SUFFIX = ".churnlab-tmp"
_STAGING_PREFIX = ".churnlab-staging-"
_LOCK = ".lock"
#: A temporary younger than this is never taken for stale (its writer may not have locked it yet).
_STALE_AFTER_SECONDS = 5.0
#: What a write says when the disk (or the quota) is full.
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
#: Whether this process has put the outputs of an :func:`outputs_together` block in place.
_published = False


def outputs_published() -> bool:
    """Whether this process has put a run's outputs in place (an :func:`outputs_together`
    block ended and its files were moved onto their targets).

    The command line's SIGTERM handler reads it: a run stopped before this point leaves
    nothing; after it, its outputs are whole and recorded, so the run finishes its last lines
    and succeeds rather than claim that nothing was written.
    """
    return _published


@contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file to write ``path`` through: a temporary file beside it, moved into place
    when the block ends without an error, removed otherwise.

    Missing parent folders are created. A folder in the way is refused before anything is
    written; a file that cannot be created, written, flushed or moved there (no permission, a
    full disk) is a :class:`~churnlab.errors.UsageError` naming the path; other errors of the
    block pass through. Temporaries of earlier writers of ``path`` that were killed are removed.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with atomic_output(Path(folder) / "out.txt") as handle:
    ...         _ = handle.write(b"whole")
    ...     print(sorted(os.listdir(folder)), (Path(folder) / "out.txt").read_bytes())
    ['out.txt'] b'whole'
    """
    path = Path(path)
    if path.is_dir():
        raise cannot_write(path, IsADirectoryError(21, "it is a folder"))
    try:
        with _shielded():
            path.parent.mkdir(parents=True, exist_ok=True)
            remove_stale(path.parent, f".{path.name}.")
            descriptor, temporary = _create_temporary(path)
            handle = os.fdopen(descriptor, "wb")
    except OSError as exc:
        raise cannot_write(path, exc) from exc
    try:
        yield handle
    except OSError as exc:
        _discard(handle, temporary)
        if exc.errno in _DISK_FULL:  # a write of the block; other errors are the block's own
            raise cannot_write(path, exc) from exc
        raise
    except BaseException:  # the block's own errors (and a stop) pass through as they are
        _discard(handle, temporary)
        raise
    with _shielded():
        try:
            handle.flush()
            os.fsync(handle.fileno())
            os.replace(temporary, path)
        except OSError as exc:
            _discard(handle, temporary)
            raise cannot_write(path, exc) from exc
        handle.close()  # closing releases the lock


@contextmanager
def outputs_together(
    targets: Iterable[str | os.PathLike[str]],
    *,
    folders: Iterable[str | os.PathLike[str]] = (),
    parts: tuple[str, ...] = (".parquet", "_metadata", "_common_metadata"),
    stale: Iterable[str | os.PathLike[str]] = (),
) -> Iterator[dict[Path, Path]]:
    """Write several files so that they appear together, or none of them at all.

    Yields where to write each target now: a path of the same name in a hidden staging folder
    beside it. When the block ends without an error, every staged file that was written
    replaces its target (an earlier target is put back if a later one cannot be moved); when
    it fails, the staging folders, and the folders made for the targets, are removed; a full
    disk is then a :class:`~churnlab.errors.UsageError` that says so.

    Parameters
    ----------
    targets : iterable of path-like
        The files the run writes. Targets that the block does not write are left as they were.
    folders : iterable of path-like
        Folders the run writes whole (a Dask run's Parquet parts): each replaces the folder of
        that name, which may hold only files ending in one of ``parts``.
    parts : tuple of str
        The endings of the files a folder of `folders` may hold to be replaced.
    stale : iterable of path-like
        Files, and folders of parts, that an earlier run left and the new files make wrong
        (``analyze --engine dask`` writes ``scores/`` where a local run wrote ``scores.csv``):
        removed once the new files are in place. A folder that holds other files is kept.

    Raises
    ------
    UsageError
        A file target is a folder, a folder target holds other files, or a staging folder
        cannot be made (no permission, disk full).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out, rejects = Path(folder) / "scores.csv", Path(folder) / "rejects.csv"
    ...     try:
    ...         with outputs_together([out, rejects]) as staged:
    ...             _ = staged[out].write_text("row\\n0\\n")
    ...             raise RuntimeError("the store cannot be written")
    ...     except RuntimeError:
    ...         pass
    ...     print(sorted(os.listdir(folder)))
    ...     with outputs_together([out, rejects]) as staged:
    ...         _ = staged[out].write_text("row\\n0\\n")
    ...         _ = staged[rejects].write_text("row\\n")
    ...     print(sorted(os.listdir(folder)))
    []
    ['rejects.csv', 'scores.csv']
    """
    paths = [Path(t) for t in targets]
    for path in paths:
        if path.is_dir():
            raise cannot_write(path, IsADirectoryError(21, "it is a folder"))
    for folder in map(Path, folders):
        _check_replaceable(folder, parts)
        paths.append(folder)
    made = _missing_folders({p.parent for p in paths})
    with ExitStack() as stack:
        try:
            staging = {
                folder: stack.enter_context(_staging_folder(folder))
                for folder in dict.fromkeys(p.parent for p in paths)
            }
            yield {path: staging[path.parent] / path.name for path in paths}
            with _shielded():
                _publish([(staging[p.parent] / p.name, p) for p in paths])
                _remove_stale(map(Path, stale), parts)
                _mark_published()  # before a SIGTERM held back meanwhile is let through
        except BaseException as exc:
            with _shielded():
                stack.close()  # the staging folders go first, then the folders made for them
                for folder in sorted(made, key=lambda f: len(f.parts), reverse=True):
                    with suppress(OSError):
                        folder.rmdir()  # only if nothing else was put there meanwhile
            if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
                raise cannot_write(_target_of(exc, paths), exc) from exc
            raise


def refuse_overwriting_inputs(
    outputs: Mapping[str, str | os.PathLike[str] | None],
    inputs: Iterable[str | os.PathLike[str] | None],
    *,
    folders: Mapping[str, str | os.PathLike[str] | None] | None = None,
) -> None:
    """Refuse, before any work, outputs that would replace an input.

    Parameters
    ----------
    outputs : mapping
        Option (``"--out"``) -> the file it names; None entries are ignored.
    inputs : iterable
        The files the run reads (a data file, a model, a playbook); database URLs and None are
        ignored.
    folders : mapping, optional
        Option -> an output folder; an input inside it is refused too, since the run makes the
        folder its own.

    Raises
    ------
    UsageError
        An output is an input (by its path, through a link, or as the same file under another
        name), or an output folder holds an input.

    Examples
    --------
    >>> refuse_overwriting_inputs({"--out": "members.csv"}, ["./members.csv"])
    Traceback (most recent call last):
    ...
    churnlab.errors.UsageError: members.csv: --out names the input members.csv: writing it ...
      fix: give --out another file name
    """
    files = [Path(i) for i in inputs if i is not None and "://" not in str(i)]
    for option, output in outputs.items():
        if output is None:
            continue
        for source in files:
            if _same_file(Path(output), source):
                raise UsageError(
                    f"{option} names the input {source}: writing it would replace the data",
                    file=str(output),
                    fix=f"give {option} another file name",
                )
    for option, folder in (folders or {}).items():
        if folder is None:
            continue
        root = Path(folder).resolve()
        for source in files:
            if root == source.resolve() or root in source.resolve().parents:
                raise UsageError(
                    f"{option} names the folder {folder}, which holds the input {source}: "
                    "churnlab writes that folder as its own",
                    file=str(source),
                    fix=f"give {option} another folder, or move the input out of it",
                )


def cannot_write(path: Path, exc: OSError) -> UsageError:
    """The :class:`UsageError` for a file that cannot be written; a full disk says so."""
    if exc.errno in _DISK_FULL:
        reason = (
            "the file grew larger than its file system allows"
            if exc.errno == errno.EFBIG
            else "the disk is full"
        )
        return UsageError(
            f"cannot write the file: {reason}; nothing was written",
            file=str(path),
            fix="free some space on that disk, or choose an output on another disk (another --out)",
        )
    return UsageError(
        f"cannot write the file: {exc.strerror or exc}",
        file=str(path),
        fix="choose another output path, or check that you may write to that folder",
    )


def remove_stale(folder: Path, prefix: str) -> None:
    """Remove the temporaries in ``folder`` whose name starts with ``prefix`` and whose
    writer is gone (their lock is free, and they are older than a few seconds)."""
    if fcntl is None:  # pragma: no cover - Windows
        return
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix)]
    except OSError:
        return
    for name in names:
        if not name.endswith(TEMPORARY_SUFFIX):
            continue
        path = folder / name
        lock = path / _LOCK if path.is_dir() else path
        try:
            if path.is_dir() and not lock.exists():  # its writer died before it locked it
                if time.time() - path.stat().st_mtime >= _STALE_AFTER_SECONDS:
                    shutil.rmtree(path, ignore_errors=True)
                continue
            if time.time() - lock.stat().st_mtime < _STALE_AFTER_SECONDS:
                continue
            descriptor = os.open(lock, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # its writer holds it: alive
            os.close(descriptor)
            continue
        try:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        finally:
            os.close(descriptor)


def _create_temporary(path: Path) -> tuple[int, Path]:
    """Create a new hidden file beside `path`, locked by this process, with the usual
    permissions (umask applies; unlike :func:`tempfile.mkstemp`'s private 0600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}")
        try:
            descriptor = os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        return descriptor, temporary


def _discard(handle: IO[bytes], temporary: Path) -> None:
    """Remove a temporary file and close it, even when closing fails (a full disk fails to
    flush the buffered bytes again)."""
    with _shielded():
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
        with suppress(OSError):
            handle.close()


@contextmanager
def _staging_folder(folder: Path) -> Iterator[Path]:
    """A hidden folder inside ``folder`` for this run's outputs, locked while the run lives."""
    with _shielded():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            remove_stale(folder, _STAGING_PREFIX)
            staging = folder / f"{_STAGING_PREFIX}{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"
            staging.mkdir()
            descriptor = os.open(staging / _LOCK, os.O_WRONLY | os.O_CREAT, 0o666)
        except OSError as exc:
            raise cannot_write(folder, exc) from exc
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
    try:
        yield staging
    finally:
        with _shielded():
            shutil.rmtree(staging, ignore_errors=True)
            os.close(descriptor)


def _mark_published() -> None:
    global _published
    _published = True


@contextmanager
def _shielded() -> Iterator[None]:
    """Hold SIGTERM and SIGINT back while temporaries are made, moved or removed, so that a stop
    (see :func:`churnlab.cli.main`) comes before or after, never half-way through."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _publish(moves: list[tuple[Path, Path]]) -> None:
    """Move each written staged file onto its target; if one cannot be moved, undo the moves
    made so far (the earlier targets come back)."""
    done: list[tuple[Path, Path | None]] = []  # a target now in place, where its old one went
    for staged, target in moves:
        if not staged.exists():
            continue
        try:
            previous = None
            if target.exists():
                previous = staged.with_name(f".previous-{staged.name}")
                os.replace(target, previous)
            os.replace(staged, target)
        except OSError as exc:
            if previous is not None and not target.exists():
                done.append((target, previous))
            for moved, old in reversed(done):
                with suppress(OSError):
                    if old is None:
                        moved.unlink()
                    else:
                        os.replace(old, moved)
            raise cannot_write(target, exc) from exc
        done.append((target, previous))


def _target_of(exc: OSError, targets: list[Path]) -> Path:
    """The target a failed write was for: the one whose name the error's file has."""
    name = Path(str(exc.filename)).name if exc.filename else None
    return next((t for t in targets if t.name == name), targets[0])


def _remove_stale(paths: Iterable[Path], parts: tuple[str, ...]) -> None:
    """Remove each file, and each folder holding only such parts; what cannot be removed stays."""
    for path in paths:
        with suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                if all(p.name.endswith(parts) and p.is_file() for p in path.iterdir()):
                    shutil.rmtree(path)
            elif path.is_file() or path.is_symlink():
                path.unlink()


def _check_replaceable(folder: Path, parts: tuple[str, ...]) -> None:
    """A folder a run may replace whole: missing, or holding only such parts."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise UsageError(
            "is a file, not a folder", file=str(folder), fix="give the name of a folder"
        )
    others = [p.name for p in folder.iterdir() if not p.name.endswith(parts)]
    if others:
        raise UsageError(
            f"the folder holds files churnlab did not write ({', '.join(sorted(others)[:3])}"
            f"{' ...' if len(others) > 3 else ''}), and writing it replaces it whole",
            file=str(folder),
            fix="give a new folder name, or empty that folder",
        )


def _missing_folders(folders: Iterable[Path]) -> list[Path]:
    """The folders (and their parents) that do not exist yet."""
    missing: set[Path] = set()
    for folder in folders:
        for candidate in (folder, *folder.parents):
            if candidate.exists():
                break
            missing.add(candidate)
    return sorted(missing)


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)  # a hard link, or the same file by another way
    except OSError:  # one of them does not exist yet
        return False
