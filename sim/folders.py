"""Results folders: one run at a time, every file in the manifest, nothing stale left behind.

A results folder is written by one command at a time: the command holds a lock on the folder's
`.helpline.lock` (an operating-system lock, released by the system when the process ends, so
a run that was killed leaves no lock that blocks the next one; the file says which process
holds it). Its `manifest.json` lists every file the run wrote with its SHA-256; a file that an
earlier run wrote (listed in the earlier manifest, unchanged since) and that this run does not
write again is removed, so tables, French copies and reports in a folder always come from the
same run. Files the manifest never listed are never touched. Reading a folder back starts by
checking the manifest: a missing or changed file is named, not read.

The folder is checked before anything is computed: a file where the folder should be, a folder
that cannot be created or written, or the current folder when not asked for explicitly
(`--out .`), are refused at once.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sim.outputs import file_digest, write_text

log = logging.getLogger(__name__)

LOCK = ".helpline.lock"
MANIFEST = "manifest.json"
PREVIOUS = ".manifest.previous.json"
"""The earlier run's manifest while a run rewrites the folder (so a crash forgets nothing)."""


class FolderError(ValueError):
    """A results folder that cannot be used, with the reason in words."""


def prepare(folder: Path, explicit_here: bool = False) -> Path:
    """Check that `folder` can receive results (creating it), before anything is computed.

    Raises
    ------
    FolderError
        a file stands where the folder should be, it cannot be created or written, or it is
        the current folder and `explicit_here` is not set (`--out .` sets it).
    """
    if folder.exists() and not folder.is_dir():
        raise FolderError(f"--out {folder}: is a file, not a folder (give a folder name)")
    if not explicit_here and folder.resolve() == Path.cwd().resolve():
        raise FolderError(f"--out {folder}: is the current folder, where the results would mix "
                          "with other files; write --out . if that is what you want")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FolderError(f"--out {folder}: cannot be created ({exc.strerror or exc})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FolderError(f"--out {folder}: cannot be written (permission denied)")
    return folder


class FolderInUse(FolderError):
    """Another process is writing into the folder."""


def lock(folder: Path, command: str) -> Callable[[], None]:
    """Take the folder's lock for this process; returns the function that releases it.

    Raises
    ------
    FolderInUse
        another running process holds it (the message names its process id and command).
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        return lambda: None
    path = folder / LOCK
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            who = (f"process {holder.get('pid')} on {holder.get('host')} "
                   f"({holder.get('command')}, since {holder.get('started')})"
                   if holder else "another process")
            raise FolderInUse(f"{folder} is in use by {who}: wait until it finishes, or write "
                              "the results elsewhere with --out") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file as we opened it: try the new one
    earlier = _holder(fd)
    if earlier and earlier.get("pid") != os.getpid():
        log.warning("%s: the run of process %s (%s) stopped without finishing; this run takes "
                    "over the folder", folder, earlier.get("pid"), earlier.get("command"))
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                              "command": command,
                              "started": datetime.now(UTC).isoformat(timespec="seconds")}
                             ).encode("utf-8"), 0)

    def release() -> None:
        try:
            path.unlink(missing_ok=True)
        finally:
            os.close(fd)

    return release


def _holder(fd: int) -> dict[str, Any]:
    try:
        data = json.loads(os.pread(fd, 65536, 0).decode("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def begin(folder: Path) -> dict[str, str]:
    """Start rewriting a folder: the folder is incomplete until the new manifest is written
    (the earlier manifest is set aside); returns the files the earlier run wrote."""
    previous = listed(folder / MANIFEST) or listed(folder / PREVIOUS)
    if (folder / MANIFEST).exists():
        os.replace(folder / MANIFEST, folder / PREVIOUS)
    return previous


def listed(path: Path) -> dict[str, str]:
    """The `files` of a manifest ({relative path: sha256}), or {} if it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)
            and _inside(k)}


def _inside(name: str) -> bool:
    """A manifest name that stays inside its folder."""
    parts = PurePosixPath(name).parts
    return bool(parts) and not PurePosixPath(name).is_absolute() and ".." not in parts


def finish(folder: Path, manifest: dict[str, Any], files: list[str],
           previous: dict[str, str]) -> list[str]:
    """Write the manifest (every file with its checksum), then remove the earlier run's files
    that this run did not write again; returns what was removed."""
    manifest = {**manifest, "files": {name: file_digest(folder / name) for name in files}}
    write_text(folder / MANIFEST, json.dumps(manifest, indent=2, default=str) + "\n")
    removed = []
    for name in sorted(set(previous) - set(files)):
        path = folder / name
        if path.is_symlink() or not path.is_file():
            continue
        if file_digest(path) != previous[name]:
            log.warning("%s: kept %s, written by an earlier run and changed since", folder, name)
            continue
        path.unlink()
        removed.append(name)
        for parent in path.parents:  # folders this left empty
            if parent == folder or folder not in parent.parents:
                break
            try:
                parent.rmdir()
            except OSError:
                break
    (folder / PREVIOUS).unlink(missing_ok=True)
    if removed:
        log.warning("%s: removed %d file(s) of an earlier run that this run did not write: %s",
                    folder, len(removed), ", ".join(removed))
    return removed


def add(folder: Path, names: list[str]) -> None:
    """List more files (a report written later) in the folder's manifest."""
    path = folder / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["files"].update({name: file_digest(folder / name) for name in names})
    write_text(path, json.dumps(manifest, indent=2, default=str) + "\n")


def problems(folder: Path) -> list[str]:
    """What is wrong with a results folder, checked against its manifest: each damaged or
    missing file, or why the manifest itself cannot be used ([] when all is well)."""
    path = folder / MANIFEST
    if not folder.is_dir():
        return [f"{folder}: not a folder"]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"{folder} holds no {MANIFEST}: not a complete helpline-sim result"]
    except (OSError, ValueError) as exc:
        return [f"{path}: cannot be read ({exc})"]
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return [f"{path}: not a helpline-sim manifest (no list of files with checksums)"]
    found = []
    for name, digest in files.items():
        target = folder / name
        if not _inside(name):
            found.append(f"{name}: outside the folder (the manifest was edited)")
        elif not target.exists():
            found.append(f"{name}: missing")
        elif not target.is_file():
            found.append(f"{name}: not a file")
        else:
            try:
                if file_digest(target) != digest:
                    found.append(f"{name}: damaged (it differs from what was written)")
            except OSError as exc:
                found.append(f"{name}: cannot be read ({exc.strerror or exc})")
    return found
