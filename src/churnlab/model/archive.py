"""Zip archives read within bounds: what a model file and a skops payload are made of.

Nothing in an archive is trusted. The file is read in chunks up to a bound; the central
directory's size is read from its end record before :mod:`zipfile` parses it; every member's name
must be a plain name (no path), its declared size, the total and its compression ratio within
:class:`Limits`, and it is inflated in chunks, stopped past its bound (a declared size can lie).
Every refusal is a :class:`~churnlab.errors.ModelFileError` naming the file.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from churnlab.errors import ModelFileError

__all__ = ["Limits", "MiB", "damaged", "read_within", "refused", "unzip"]

MiB = 1 << 20
_CHUNK = MiB


@dataclass(frozen=True)
class Limits:
    """What a zip archive churnlab reads may hold.

    Attributes
    ----------
    members : int
        The most members.
    sizes : mapping of str to int
        The largest inflated size of a member, by name (``"*"``: any other member).
    total : int
        The largest inflated size of all members together.
    ratio : float
        The largest compression ratio (inflated / stored size) of a member over 1 MiB.
    """

    members: int
    sizes: Mapping[str, int]
    total: int
    ratio: float = 200.0

    def size(self, name: str) -> int:
        """The bound on member ``name``."""
        return self.sizes.get(name, self.sizes.get("*", 0))


def read_within(path: Path, limit: int) -> bytes:
    """The bytes of a model (or skops) file, refusing a missing, folder or oversized one."""
    if not path.exists():
        raise ModelFileError(
            "the model file does not exist",
            file=str(path),
            fix="check the path, or train a model with `churnlab train`",
        )
    if path.is_dir():
        raise ModelFileError(
            "is a directory, not a model file",
            file=str(path),
            fix="give the path of the file written by `churnlab train --model`",
        )
    chunks, size = [], 0
    try:
        with path.open("rb") as handle:  # in chunks: read(limit) would allocate the limit
            while chunk := handle.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise refused(path, f"the file is larger than the {limit:,} bytes read")
                chunks.append(chunk)
    except OSError as exc:
        raise ModelFileError(
            f"cannot be read ({exc})", file=str(path), fix="check the file's permissions"
        ) from None
    return b"".join(chunks)


def unzip(
    data: bytes,
    path: Path | str | os.PathLike[str],
    limits: Limits,
    allowed: Callable[[str], bool],
    *,
    label: str,
    needs: str | None = None,
) -> dict[str, bytes]:
    """The members of a zip archive, every one named as ``allowed`` says and within ``limits``.

    The central directory's size is read from its end record before :mod:`zipfile` parses it;
    each member's declared size, total and ratio are checked before it is inflated, and it is
    inflated in chunks, stopped past its bound (the declared size can lie; zipfile's CRC check
    catches a member that inflates to anything but what was declared).
    """
    outer = needs is not None
    _check_directory(data, path, limits, label)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        if outer:
            raise ModelFileError(
                f"is not a churnlab model file ({exc})",
                file=str(path),
                fix="give a file written by `churnlab train --model`",
            ) from None
        raise damaged(path, exc) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.members:
            raise refused(path, f"{label} holds {len(infos):,} members, more than the "
                           f"{limits.members:,} churnlab reads")  # fmt: skip
        for info in infos:
            _check_name(info, path, label)
        names = [info.filename for info in infos]
        if needs is not None and needs not in names:
            raise ModelFileError(
                "is a zip archive but not a churnlab model file",
                file=str(path),
                fix="give a file written by `churnlab train --model`",
            )
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise refused(path, f"{label} holds {', '.join(map(repr, twice))} more than once")
        unexpected = [n for n in names if not allowed(n)]
        if unexpected:
            raise refused(path, f"{label} holds members churnlab never writes: "
                           f"{', '.join(map(repr, unexpected))}")  # fmt: skip
        total = 0
        for info in infos:
            total += info.file_size
            _check_member(info, limits, total, path, label)
        try:
            return {info.filename: _inflate(archive, info, limits, path, label) for info in infos}
        except ModelFileError:
            raise
        except Exception as exc:  # BadZipFile (a bad CRC), zlib.error, EOFError: a damaged stream
            raise damaged(path, exc) from None


def _check_directory(data: bytes, path: Path | str | os.PathLike[str], limits: Limits,
                     label: str) -> None:  # fmt: skip
    """Refuse an archive whose end record announces more members (or a larger directory) than
    ``limits`` allows, before :mod:`zipfile` reads the directory; refuse zip64 archives, which
    churnlab never writes (nothing it writes comes near 4 GB or 65,535 members)."""
    size = struct.calcsize("<4s4H2LH")
    record = -1
    if len(data) >= size and data[-size : -size + 4] == b"PK\x05\x06" and data[-2:] == b"\0\0":
        record = len(data) - size
    else:
        record = data.rfind(b"PK\x05\x06", max(0, len(data) - size - 0xFFFF))
    if record < 0 or len(data) - record < size:
        return  # not a zip archive: zipfile says so
    _, _, _, _, entries, directory, _, _ = struct.unpack("<4s4H2LH", data[record : record + size])
    if record >= 20 and data[record - 20 : record - 16] == b"PK\x06\x07":
        raise refused(path, f"{label} uses the zip64 format, which churnlab never writes")
    if entries > limits.members or directory > limits.members * (46 + 0xFFFF * 3):
        raise refused(path, f"{label} holds {entries:,} members, more than the "
                       f"{limits.members:,} churnlab reads")  # fmt: skip


def _check_name(info: zipfile.ZipInfo, path: Path | str | os.PathLike[str], label: str) -> None:
    """Refuse a member whose name is a path: absolute, with ``..``, a drive or a backslash."""
    name = info.orig_filename
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\0" in name
        or ":" in name
        or any(part in ("", ".", "..") for part in parts)
        or name != info.filename
    ):
        raise refused(path, f"{label} holds a member named {name!r}: a path, not a member name")


def _check_member(info: zipfile.ZipInfo, limits: Limits, total: int,
                  path: Path | str | os.PathLike[str], label: str) -> None:  # fmt: skip
    """Refuse a member before it is inflated: encrypted, an unknown compression, or declared
    larger (alone, with the ones before it, or for its stored size) than ``limits`` allows."""
    name = info.filename
    if info.flag_bits & 0x1:
        raise refused(path, f"{label}: {name!r} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise refused(path, f"{label}: {name!r} is compressed in a way churnlab never writes")
    bound = limits.size(name)
    if info.file_size > bound:
        raise refused(path, f"{label}: {name!r} inflates to {info.file_size:,} bytes, more "
                       f"than the {bound:,} churnlab reads")  # fmt: skip
    if total > limits.total:
        raise refused(path, f"{label}: its members inflate to more than the {limits.total:,} "
                       "bytes churnlab reads")  # fmt: skip
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > MiB and ratio > limits.ratio:
        raise refused(path, f"{label}: {name!r} is compressed {ratio:,.0f} to 1, more than "
                       f"the {limits.ratio:,.0f} to 1 churnlab reads")  # fmt: skip


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits,
             path: Path | str | os.PathLike[str], label: str) -> bytes:  # fmt: skip
    """A member's bytes, read in chunks and stopped as soon as it passes its declared size or
    its bound."""
    bound = min(info.file_size, limits.size(info.filename))
    chunks, size = [], 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > bound:
                raise refused(path, f"{label}: {info.filename!r} inflates past its declared "
                               f"{info.file_size:,} bytes")  # fmt: skip
            chunks.append(chunk)
    return b"".join(chunks)


def refused(path: Path | str | os.PathLike[str], problem: str) -> ModelFileError:
    return ModelFileError(
        problem,
        file=str(path),
        fix="only load model files written by churnlab (`churnlab train`, `churnlab analyze`)",
    )


def damaged(
    path: Path | str | os.PathLike[str], exc: BaseException, *, member: str | None = None
) -> ModelFileError:
    where = f" in {member}" if member else ""
    return ModelFileError(
        f"the model file is damaged{where} ({type(exc).__name__}: {exc})",
        file=str(path),
        fix="retrain the model with `churnlab train`",
    )
