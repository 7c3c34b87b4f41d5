"""The local folder as a build's target: a lock, a staging folder, hard links and one swap.

The new site is written to a sibling folder as it is made; files whose bytes did not change are
hard-linked from the old site (keeping their inode and modification time); the folder is flushed
to disk (one ``syncfs``) and the two folders are exchanged in one ``renameat2(RENAME_EXCHANGE)``
call (two renames where that call is missing). A build that fails leaves the old site as it was;
builds of one folder take turns through an ``fcntl.flock`` on the sibling file ``.OUTDIR.lock``,
which also holds the no-change record (:mod:`seoulcal.publish.record`). A build that changes no
byte touches nothing.

After the swap the old site is kept beside the folder as ``.OUTDIR.spare``, and the next build
opens it as its staging folder: it already holds most of the site's files as the same inodes,
so only what changed since is linked or written. A file only the spare has (one link) takes
new bytes in place; the spare's other files that this build replaces wait in
``.OUTDIR.trash-<pid>`` and are deleted after the swap.
"""

from __future__ import annotations

__all__ = ["FolderTarget"]

import contextlib
import errno
import fcntl
import hashlib
import json
import math
import os
import queue
import shutil
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Self

from seoulcal.errors import PublishError
from seoulcal.publish.layout import STATE_FILE, Feed, MemberSite
from seoulcal.publish.record import RECORD_FORMAT
from seoulcal.publish.target import Changes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from types import TracebackType

_QUEUED_FILES = 64
_FLUSH_EVERY = 16 << 20
"""Bytes a process writes between two flushes it starts while the build goes on (see _Output)."""


class FolderTarget:
    """A site in the local folder *outdir* (see the module's docstring).

    :meth:`write` is where every new file's bytes reach the disk: a test that needs a disk that
    fails or stalls part-way gives the build a subclass that overrides it.
    """

    def __init__(self, outdir: str | Path) -> None:
        """Build into *outdir* (made when the first build commits; its parent must exist)."""
        self.outdir = Path(outdir).absolute()
        self._lock: int | None = None
        self._record: dict[str, object] = {}
        """The record in the lock file, read when the lock is taken, kept as this target writes."""
        self._output: _Output | None = None
        self._vouched: str | None = None
        """The manifest digest the last build recorded after its commit (see :meth:`keep`)."""
        self._committed: str | None = None
        """The manifest digest right after this build's commit."""
        self._read: dict[str, bytes] = {}
        """What :meth:`previous` read in this build (the folder is locked: it stays so)."""
        self._memos: dict[str, str] = {}
        """The memos the last commit recorded (good only while the folder is as it left it)."""
        self._committed_memos: dict[str, str] | None = None
        """The memos this build's commit recorded."""
        self._committed_folders: list[list[object]] | None = None
        """The record of the folders of the site this build's commit put in place (see _dated)."""
        self._found_folders: object = None
        """The record of the folders that the record held when the lock was taken."""
        self._found_listed = False
        """Whether that record said the folder's listings give true inodes (see _listed)."""
        self._listed = False
        """Whether this folder's listings were seen to give the inodes ``lstat`` gives.

        Seen in a walk of the site, in an ``lstat`` of every file of a spare, or by an earlier
        build (the record says so while its folders hold); see :func:`_inodes`.
        """
        self._walked: _Walk | None = None
        """The site's files and manifest digest, walked once while the lock is held."""
        self._renders: bytes | None = None
        """What this build keeps of its rendering, written with its commit (see renders())."""

    @property
    def name(self) -> str:
        """The folder's path."""
        return str(self.outdir)

    @property
    def first_build(self) -> bool:
        """Whether no site is there yet (so no member state needs to be looked for)."""
        return not self.outdir.exists()

    def __enter__(self) -> Self:
        """Check the folder, take its lock, and undo what a killed build left."""
        outdir = self.outdir
        if not outdir.parent.is_dir():
            raise PublishError(
                f"{outdir}: its parent folder {outdir.parent} does not exist; make it first",
                field="outdir",
            )
        lock = outdir.parent / f".{outdir.name}.lock"
        try:
            handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise PublishError(
                f"{outdir}: cannot lock it ({lock}: {error.strerror or error})", field="outdir"
            ) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            _recover(outdir)
            _check_outdir(outdir)
        except BaseException:
            os.close(handle)
            raise
        self._lock = handle
        self._record = _read_record(handle)  # the lock is held: it changes only by this target
        site = self._record.get("site")
        self._vouched = site if isinstance(site, str) else None
        self._memos = _memos_from_json(self._record.get("memos"))
        self._found_folders = self._record.get("folders")
        self._found_listed = self._record.get("listed_inodes") is True
        self._listed = False
        self._committed = None
        self._committed_memos = None
        self._committed_folders = None
        self._read = {}
        self._walked = None
        self._renders = None
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Release the lock (closing the lock file releases it)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def _handle(self) -> int:
        if self._lock is None:
            raise RuntimeError("use the target as a context manager: with FolderTarget(...) as t")
        return self._lock

    # --- the no-change record ---

    def settled(self, inputs: str) -> bool:
        """Tell whether the last settled build had *inputs* and no file changed since."""
        self._handle()
        record = self._record
        return (
            record.get("inputs") == inputs
            and self.outdir.is_dir()
            and record.get("site") == self.manifest()[1]
        )

    def settle(
        self,
        inputs: str | None,
        *,
        source: str | None = None,
        members: Sequence[MemberSite] = (),
    ) -> None:
        """Record the site as settled for *inputs* (with its manifest); ``None`` forgets it.

        With *source* (:func:`~seoulcal.publish.record.source_digest` of the raw inputs the
        caller vouches the build came from), the record also keeps it and the *members*' sites
        (their private addresses), for :meth:`up_to_date`.
        """
        if inputs is None:
            self._record = _write_record(self._handle(), None)
            return
        walked = None
        if self._committed is not None:  # the commit worked out its folders (see commit)
            site, memos = self._committed, self._committed_memos or {}
        else:  # the site was already as this build would make it: the last commit's memos hold
            walked = self._site_walk()
            site = walked.digest
            memos = self._memos if site == self._vouched else {}
        record: dict[str, object] = {"inputs": inputs, "site": site, "memos": memos}
        if source is not None:  # the members' addresses are in it: their folders may be too
            record["source"] = source
            record["members"] = [_member_json(member) for member in members]
            folders = self._committed_folders if walked is None else _folders(self.name, walked)
            record = self._with_folders(record, folders)
        self._record = _write_record(self._handle(), record)

    def _with_folders(
        self, record: dict[str, object], folders: list[list[object]] | None
    ) -> dict[str, object]:
        """Return *record* with the site's *folders* (see :func:`_folders`) and what listings give.

        What lets the next build look at the site instead of walking it (see :meth:`_site_walk`).
        """
        if folders is not None:
            record["folders"] = folders
            if self._listed:
                record["listed_inodes"] = True
        return record

    def up_to_date(self, source: str) -> tuple[list[MemberSite], list[str]] | None:
        """Return the members' sites and the files, if the site was settled for *source* since.

        ``None`` unless the record holds *source* and the folder is exactly as that build left
        it (every file's path, size, modification time and inode); then the report of a build
        comes from the record alone, without the trip. The record's folders tell that without
        listing them (see :func:`_folders`); where it has none that can, the site is walked,
        and the record then keeps its folders for the next time (rewritten in place: killed
        just then, the record is lost, and the next build is a full one).
        """
        self._handle()
        record = self._record
        if record.get("source") != source or not self.outdir.is_dir():
            return None
        members = _members_from_json(record.get("members"))
        if members is None:
            return None
        # The folders the record lists, looked at one by one, in place of a walk of the site;
        # a walk where they cannot vouch for it (see _folders), and then they are recorded.
        found = _looked_at(str(self.outdir), record.get("folders"))
        if found is not None:
            files, site = found
            return (members, files) if record.get("site") == site else None
        self._found_folders = None  # they do not hold: the walk need not look at them again
        walked = self._site_walk()
        if record.get("site") != walked.digest:
            return None
        folders = _folders(str(self.outdir), walked)
        if folders is not None or "folders" in record:  # what looks at them next time, or none
            kept = {k: v for k, v in record.items() if k not in {"folders", "listed_inodes"}}
            self._record = _write_record(self._handle(), self._with_folders(kept, folders))
        return members, sorted(walked.found)

    def manifest(self) -> tuple[list[str], str]:
        """Return the site's regular files (relative paths, sorted) and a digest of their details.

        The digest covers each file's path, size, modification time and inode, so any change to
        the folder (a file written, replaced, added or removed) changes it.
        """
        found, digest = self._site()
        return sorted(found), digest

    def _site(self) -> tuple[dict[str, _Found], str]:
        """Return the site's files and manifest digest (see :meth:`_site_walk`)."""
        walked = self._site_walk()
        return walked.found, walked.digest

    def _site_walk(self) -> _Walk:
        """Walk the site's folder (once until this build commits: the folder is locked).

        Where the record's folders still hold (see :func:`_looked_at`), each folder and file is
        looked at instead of every folder listed: what the walk would find, at a third of its
        cost.
        """
        if self._walked is None:
            root = str(self.outdir)
            record, found = self._found_folders, dict[str, _Found]()
            looked = _looked_at(root, record, found=found)
            if looked is not None and isinstance(record, list):
                self._walked = _Walk(
                    found,
                    looked[1],
                    odd=False,  # a folder as recorded holds only what was recorded
                    folders=[entry[0] for entry in record],
                    record=record,
                )
                self._listed = self._listed or self._found_listed  # seen since, or before
            elif self.outdir.is_dir():
                self._walked = _walk(root, began=self._now())
                self._listed = self._walked.listed_inodes and bool(self._walked.found)
            else:
                self._walked = _Walk({}, "", odd=False)
        return self._walked

    def _now(self) -> int | None:
        """Return now by the clock that stamps the site's times (``None``: no such clock known).

        The lock file's change time, just set: a network share's server stamps it, as it stamps
        the site's folders, whatever this machine's clock says. ``None`` if the lock file is on
        another file system than the site (a folder mounted there), or cannot be set; and
        outside the lock (a manifest read without it records nothing).
        """
        handle = self._lock
        if handle is None:
            return None
        try:
            os.utime(handle)
            info = os.fstat(handle)
            if info.st_dev != os.lstat(self.outdir).st_dev:
                return None
        except OSError:
            return None
        return info.st_ctime_ns

    # --- reading and writing ---

    def previous(self, path: str) -> bytes | None:
        """Return the bytes of *path* in the current site, or ``None`` if it is not there."""
        try:
            data = _read(f"{self.outdir}/{path}")
        except FileNotFoundError:
            return None
        except OSError as error:
            raise PublishError(
                f"{self.outdir / path}: cannot read it: {error.strerror or error}"
            ) from None
        self._read[path] = data  # the new state is compared with these bytes, not read again
        return data

    def _out(self) -> _Output:
        if self._output is None:
            found, digest = self._site()
            # Files are vouched for only if the folder is exactly as the last commit left it.
            vouched = self._vouched is not None and self._vouched == digest
            parent, name, pid = self.outdir.parent, self.outdir.name, os.getpid()
            staging = parent / f".{name}.staging-{pid}"
            self._output = _Output(
                self.outdir,
                write=self.write,
                existing=found,
                staging=staging,
                trash=parent / f".{name}.trash-{pid}",
                vouched=vouched,
                known=self._read,
                memos=self._memos if vouched else {},
                spare=self._open_spare(staging),
            )
        return self._output

    @property
    def _spare_path(self) -> Path:
        return self.outdir.parent / f".{self.outdir.name}.spare"

    def _open_spare(self, staging: Path) -> _Spare | None:
        """Open the last build's spare (the site before it) as the staging folder.

        Nothing in it is trusted but inodes: a file of the spare is kept only where it is the
        current site's own file (the same inode, so the same bytes); every other file is
        replaced or removed (see :class:`_Output`). A spare holding anything but regular files
        and folders (a link, say) is removed instead.
        """
        spare = self._spare_path
        if not spare.is_dir() or spare.is_symlink():
            return None
        if not self.outdir.is_dir():  # no site to share files with
            shutil.rmtree(spare, ignore_errors=True)
            return None
        # Listings give true inodes on this file system if the site's walk or an earlier build saw
        # it; if not, every file of the spare is looked at, and that tells.
        self._site_walk()
        inodes, odd, walked, listed = _inodes(str(spare), listed=self._listed)
        self._listed = self._listed or listed
        if odd:  # not ours
            shutil.rmtree(spare, ignore_errors=True)
            return None
        spare.rename(staging)  # a killed build's staging folder was removed on entering
        folders = {f"{staging}/{rel.rpartition('/')[0]}" for rel in inodes if "/" in rel}
        return _Spare(inodes, {str(staging), *folders}, walked)

    def add(self, path: str, data: bytes) -> None:
        """Take the file *path* of the new site (compared, then written or linked, in order)."""
        self._out().add(path, data)

    def keep(self, paths: Sequence[str]) -> bool:
        """Keep *paths* as they are, unread, if no file of the folder changed since the last commit.

        The last build recorded the folder's manifest (every file's path, size, modification
        time and inode) after its commit; only while the folder still matches it are its files
        known to be the bytes that build wrote.
        """
        return self._out().keep(paths)

    def memo(self, name: str) -> str | None:
        """Return the memo the last commit kept under *name*, if no file changed since.

        The memos are in the lock file's record, beside the manifest of the folder that commit
        left: they hold only while the folder still matches it (as :meth:`keep`).
        """
        return self._out().memo(name)

    def remember(self, name: str, memo: str) -> None:
        """Keep *memo* under *name* in the record this build's commit writes."""
        self._out().remember(name, memo)

    @property
    def _renders_path(self) -> Path:
        return self.outdir.parent / f".{self.outdir.name}.renders"

    def renders(self) -> bytes | None:
        """Return what the last commit kept of the rendering, from ``.OUTDIR.renders``.

        The file is the build's own (see :mod:`seoulcal.publish.renders`, which checks it): it
        is read whether or not the site changed since, as a cache.
        """
        self._handle()
        try:
            return self._renders_path.read_bytes()
        except OSError:  # none yet, or unreadable: everything is rendered
            return None

    def keep_renders(self, make: Callable[[], bytes | None]) -> None:
        """Write what *make* returns to ``.OUTDIR.renders`` when this build commits.

        ``None``: the file holds what it should already, and stays as it is.
        """
        self._handle()
        self._renders = make()

    def part(self) -> _Output:
        """Return a writer for a worker process: the same site, the same staging folder."""
        return self._out().sibling()

    def commit(self, parts: Sequence[object] = ()) -> Changes:
        """Put the new site in place (unless nothing changed)."""
        files = [part for part in parts if isinstance(part, _Files)]
        if len(files) != len(parts):
            raise TypeError("parts must come from this target's part().files()")
        output = self._out()
        walked = self._site_walk()
        written, kept, removed = output.publish(files, digest=walked.digest)
        memos = dict(output.remembered)
        for part in files:
            memos.update(part.memos)
        # What the folder is now, for the next build's keep() and memo(); settle() adds the
        # inputs.
        self._walked = None  # the site is the new one now
        self._committed = output.site
        self._committed_memos = memos
        if output.folders is not None:
            self._committed_folders = _past(output.folders, self._now())
        elif output.outcome == "unchanged":  # the site as it was: its folders as found
            self._committed_folders = _folders(str(self.outdir), walked)
        self._found_folders = self._committed_folders  # what a later look at the site checks
        record: dict[str, object] = {"site": self._committed, "memos": memos}
        self._record = _write_record(self._handle(), record)
        if self._renders is not None:
            _write_renders(self._renders_path, self._renders)
            self._renders = None
        return Changes(tuple(written), tuple(kept), tuple(removed))

    def discard(self) -> None:
        """Remove the staging folder (after a swap, the old site), if any process made it."""
        if self._output is not None:
            self._output.discard(self._spare_path)
            self._output = None

    def write(self, path: Path, data: bytes, *, after: float | None, over: bool = False) -> None:
        """Write *data* to the new file *path*; its modification time is later than *after*.

        Last-Modified comes from the modification time, and must rise whenever the bytes change
        (R-HTTP-06), even for two builds within one second. The data is made durable by one
        ``syncfs`` of the whole staging folder, before the swap.

        With *over*, *path* is a file of the staging folder that no other name links to (a file
        of the spare that neither site shares): it is rewritten in place. On a disk that frees
        blocks as files are deleted, that costs far less than a new file and the old one
        deleted. It is checked again once open: a file linked elsewhere is never written
        through.
        """
        # os calls on one descriptor: no file object, and no path looked up again after open.
        if over:
            handle = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        else:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            if over and not _unshared(os.fstat(handle)):
                raise PublishError(
                    f"{path}: another name links to this file since the build looked at it; "
                    "it was not written. Build again."
                )
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
            if over:
                os.ftruncate(handle, len(data))  # what was longer than the new bytes
            os.fchmod(handle, 0o644)  # whatever the umask: the web server must read it
            if after is not None:
                moment = max(time.time(), math.floor(after) + 1.0)
                os.utime(handle, (moment, moment))
        finally:
            os.close(handle)


def _read_record(handle: int) -> dict[str, object]:
    """Return the last build's record from the lock file (empty if none, unreadable or older)."""
    try:
        size = os.fstat(handle).st_size
        data = json.loads(os.pread(handle, size, 0) or b"{}") if size else {}
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        return {}
    return data


def _write_record(handle: int, record: Mapping[str, object] | None) -> dict[str, object]:
    """Replace the record in the lock file; ``None`` clears it (the next build is a full one).

    Returns the record as :func:`_read_record` will read it. It may hold the members'
    addresses: the file is made readable by its owner only.
    """
    os.ftruncate(handle, 0)
    if record is None:
        return {}
    with contextlib.suppress(OSError):  # not the owner: the folder's owner chose its mode
        os.fchmod(handle, 0o600)
    written_record = {"format": RECORD_FORMAT, **record}
    data = json.dumps(written_record, ensure_ascii=False).encode()
    written = 0
    while written < len(data):  # pwrite may write less than asked
        written += os.pwrite(handle, data[written:], written)
    return written_record


def _write_renders(path: Path, data: bytes) -> None:
    """Replace the file *path* with *data* (renamed into place: never half-written).

    Not flushed to disk: after a crash the file may be gone or old, which costs the next build
    time only. Readable by its owner only, as the record is. A build that cannot write it
    builds as well without it.
    """
    new = path.with_name(path.name + ".new")  # the folder's lock is held: no other writer
    with contextlib.suppress(OSError):
        handle = os.open(new, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
        new.replace(path)


def _member_json(member: MemberSite) -> list[object]:
    feeds = [[feed.lang, feed.name, feed.href, feed.url] for feed in member.feeds]
    return [member.member_id, member.page_url, feeds]


def _memos_from_json(value: object) -> dict[str, str]:
    """Read back the memos of a record (none, for anything but a table of texts)."""
    if not isinstance(value, dict) or not all(
        isinstance(name, str) and isinstance(memo, str) for name, memo in value.items()
    ):
        return {}
    return value


def _members_from_json(value: object) -> list[MemberSite] | None:
    """Read back what :func:`_member_json` wrote; ``None`` for anything else."""
    if not isinstance(value, list):
        return None
    members = []
    try:
        for member_id, page_url, feeds in value:
            sites = []
            for lang, name, href, url in feeds:
                if lang not in _LANGUAGES or {type(name), type(href), type(url)} != _STR:
                    return None
                sites.append(Feed(lang, name, href, url))
            if type(member_id) is not str or type(page_url) is not str:  # JSON: exactly str
                return None
            members.append(MemberSite(member_id, page_url, tuple(sites)))
    except (TypeError, ValueError):  # not a list of three, or a feed not a list of four
        return None
    return members


_LANGUAGES = frozenset(("ko", "en"))
_STR = {str}


def _recover(outdir: Path) -> None:
    """Undo what a killed build left: a half-swapped site, staging, old and trash folders."""
    parent, name = outdir.parent, outdir.name
    olds = sorted(parent.glob(f".{name}.old-*"))
    if not outdir.exists() and olds:
        olds[-1].rename(outdir)  # killed between the two renames of the fallback swap
        olds = olds[:-1]
    trash = parent.glob(f".{name}.trash-*")
    for leftover in (*parent.glob(f".{name}.staging-*"), *olds, *trash):
        shutil.rmtree(leftover, ignore_errors=True)


class _Found(NamedTuple):
    """A regular file of a folder: its path, and what the manifest holds of it."""

    path: str
    inode: int
    size: int
    mtime_ns: int


class _Walk(NamedTuple):
    """What a walk of a folder found."""

    found: dict[str, _Found]
    """The regular files, by relative POSIX path."""
    digest: str
    """The manifest digest: each file's path, size, modification time and inode."""
    odd: bool
    """Whether it holds anything but regular files and folders (links, sockets, ...)."""
    listed_inodes: bool = False
    """Whether each file's folder listing gave the inode ``lstat`` gives (see :func:`_inodes`)."""
    folders: Sequence[str] = ()
    """Every folder it walked (relative POSIX paths; ``""`` is the site's own)."""
    began: int | None = None
    """Now just before the walk, by the site's file system's clock (``None``: not known)."""
    record: list[list[object]] | None = None
    """The record of the folders (see :func:`_folders`) that told what it found, if one did."""


def _walk(root: str, *, began: int | None = None) -> _Walk:
    """Return the regular files under *root* by relative POSIX path, and their manifest digest.

    The digest covers each file's path, size, modification time and inode. One ``scandir`` per
    folder (it gives each entry's type without a system call) and one ``lstat`` per file: a
    no-change rebuild's cost. Paths stay text, not :class:`~pathlib.Path`: a rebuild links
    thousands of them. Symlinks are not followed. *began* is kept with what it found (see
    :func:`_folders`).
    """
    found: dict[str, _Found] = {}
    lines: list[str] = []
    odd = False
    unlisted = 0  # files whose listing gave another inode than lstat
    folders = [(root, "")]
    walked = []
    while folders:
        folder, prefix = folders.pop()
        walked.append(prefix[:-1])
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, f"{prefix}{entry.name}/"))
                elif entry.is_file(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    rel = prefix + entry.name
                    found[rel] = _Found(entry.path, info.st_ino, info.st_size, info.st_mtime_ns)
                    lines.append(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ino}\n")
                    unlisted += entry.inode() != info.st_ino
                else:
                    odd = True
    digest = _digest(lines)
    return _Walk(found, digest, odd, listed_inodes=not unlisted, folders=walked, began=began)


def _inodes(root: str, *, listed: bool) -> tuple[dict[str, int], bool, list[str], bool]:
    """Return the inode of each regular file under *root* by relative POSIX path, *odd*, folders.

    *odd*: it holds something besides regular files and folders (symlinks are not followed).
    The folders are every folder walked (relative POSIX paths, ``""`` for *root*). With
    *listed*, the inodes are the folder listings' (``d_ino``: no system call per file), for a
    folder on a file system whose listings were seen to give the inodes ``lstat`` gives
    (:attr:`FolderTarget._listed`); otherwise each file is looked at with ``lstat``. The last
    value tells whether the listings gave those inodes: without *listed*, for every file, if
    there is one.
    """
    inodes: dict[str, int] = {}
    odd = False
    unlisted = 0  # files whose listing gave another inode than lstat
    folders = [(root, "")]
    walked = []
    while folders:
        folder, prefix = folders.pop()
        walked.append(prefix[:-1])
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, f"{prefix}{entry.name}/"))
                elif entry.is_file(follow_symlinks=False):
                    if listed:
                        inode = entry.inode()
                    else:
                        inode = entry.stat(follow_symlinks=False).st_ino
                        unlisted += entry.inode() != inode
                    inodes[prefix + entry.name] = inode
                else:
                    odd = True
    return inodes, odd, walked, listed or (bool(inodes) and not unlisted)


def _digest(lines: list[str]) -> str:
    """Return the manifest digest of *lines* (``path NUL size NUL mtime_ns NUL inode LF``)."""
    lines.sort()  # a path has no NUL: the lines sort as their paths do
    return hashlib.sha256("".join(lines).encode()).hexdigest()


_TIMESTAMP_STEP_NS = 3_000_000_000
"""How far apart two stamps of a folder's times must be to tell them apart (see _folders).

Linux stamps times from a clock that moves in ticks (a few milliseconds); ext3, HFS+ and ext4
with small inodes keep whole seconds, FAT two seconds.
"""


def _dated(root: str, files: Iterable[str], left: Iterable[str]) -> list[list[object]] | None:
    """Date the folders of the new site *root* back, and return their record (see _folders).

    *root* is the staging folder, which only this build writes in; *files* are every file it
    holds, and *left* folders it may also hold (the spare's: any still there is counted), all
    relative POSIX paths. Each folder gets a modification time :data:`_TIMESTAMP_STEP_NS`
    before now (nothing serves or reads a folder's time; the files keep theirs), which no
    later change to it is stamped with, however coarse the file system's clock; its change
    time is then the file system's now. The record holds both as the file system keeps them
    (rounded, on one that keeps whole seconds). The swap keeps them, but for the site's own
    folder's change time (see :func:`_swapped`). ``None`` where a folder cannot be dated: the
    next build walks the site.
    """
    names = _names(files, ())
    for folder in left:
        if folder not in names and os.path.isdir(f"{root}/{folder}"):  # emptied, but not removed
            names[folder] = []
    moment = time.time_ns() - _TIMESTAMP_STEP_NS
    record: list[list[object]] = []
    try:
        for folder in sorted(names):
            path = f"{root}/{folder}" if folder else root
            os.utime(path, ns=(moment, moment))
            info = os.lstat(path)
            record.append([folder, info.st_mtime_ns, info.st_ctime_ns, sorted(names[folder])])
    except OSError:
        return None
    return record


def _past(record: list[list[object]] | None, now: int | None) -> list[list[object]] | None:
    """Return *record* (of :func:`_swapped`) if no later change can be stamped with its times.

    A change is stamped with the file system's now: *now*, read just after the swap, must be
    past every change time recorded, where the file system keeps whole seconds (every time a
    whole second: a change within the same second would be stamped alike). Elsewhere its clock
    moves in ticks of a few milliseconds, which the build's own flush and swap outlast.
    ``None`` otherwise: the next build walks the site, and records its folders.
    """
    if record is None or now is None:
        return None
    second = 1_000_000_000
    stamps = [stamp for entry in record for stamp in entry[1:3] if isinstance(stamp, int)]
    if all(stamp % second == 0 for stamp in stamps) and max(stamps, default=now) >= now:
        return None
    return record


def _swapped(root: str, record: list[list[object]] | None) -> list[list[object]] | None:
    """Return *record* (of :func:`_dated`) with the change time the swap gave *root*'s folder.

    Exchanging two folders sets their change times; the site's own folder, just swapped in,
    must still have its dated modification time, or another program changed it meanwhile.
    """
    if record is None or not record or record[0][0] != "":
        return None
    try:
        info = os.lstat(root)
    except OSError:
        return None
    if info.st_mtime_ns != record[0][1]:
        return None
    return [["", info.st_mtime_ns, info.st_ctime_ns, record[0][3]], *record[1:]]


def _names(files: Iterable[str], folders: Iterable[str]) -> dict[str, list[str]]:
    """Return the names of *files* by folder, for every folder holding them, and *folders*.

    Paths are relative POSIX paths; the parents of a folder are there too, and ``""`` (the
    site's own folder) always is.
    """
    names: dict[str, list[str]] = {"": []}
    for folder in folders:
        names.setdefault(folder, [])
    for rel in files:
        folder, _, name = rel.rpartition("/")
        held = names.get(folder)
        if held is None:
            names[folder] = held = []
            parent = folder
            while parent and (parent := parent.rpartition("/")[0]) not in names:
                names[parent] = []
        held.append(name)
    return names


def _folders(root: str, walked: _Walk) -> list[list[object]] | None:
    """Return the record of the folders of the site *root*, as :func:`_looked_at` reads it.

    Each folder *walked* found (``""`` for *root*) with its modification and change times and
    the names of its files. Adding, removing or renaming anything in a folder changes both
    times, and no program can set a change time (``cp -a``, ``rsync -a`` or ``tar`` set
    modification times back), so a folder found with its recorded times holds what it held:
    looking at each folder and file (one ``lstat`` each) then replaces listing every folder.

    Only if every folder last changed more than :data:`_TIMESTAMP_STEP_NS` before the walk
    began, by the file system's own clock (*walked*'s moment): a change after that (during the
    walk, or later) is then stamped later than what is recorded, however coarse that clock.
    ``None`` (the next build walks the site again) where one changed since, cannot be looked
    at, or the moment is not known: as after a build that changed nothing in a site whose
    folders changed just before. A walk that the record of the folders told (see
    :meth:`FolderTarget._site_walk`) returns that record.
    """
    if walked.record is not None:
        return walked.record
    if walked.began is None:
        return None
    names = _names(walked.found, walked.folders)
    settled = walked.began - _TIMESTAMP_STEP_NS
    record: list[list[object]] = []
    for folder in sorted(names):
        try:
            info = os.lstat(f"{root}/{folder}" if folder else root)
        except OSError:
            return None
        if not stat.S_ISDIR(info.st_mode) or max(info.st_mtime_ns, info.st_ctime_ns) >= settled:
            return None
        record.append([folder, info.st_mtime_ns, info.st_ctime_ns, sorted(names[folder])])
    return record


def _looked_at(
    root: str, record: object, *, found: dict[str, _Found] | None = None
) -> tuple[list[str], str] | None:
    """Return the files and manifest digest of the site *root* from the folders *record* lists.

    As :meth:`FolderTarget.manifest` gives them from a walk, when every folder the record
    lists (see :func:`_folders`) has its recorded times: then no file came or went, and each
    recorded file is looked at for its size, modification time and inode. ``None`` if a
    folder is not as recorded (so the site changed, or the record cannot tell), or the record
    is damaged. *found*, if given, is filled as a walk fills :attr:`_Walk.found`.
    """
    if not isinstance(record, list) or not record:
        return None
    lstat, regular, directory = os.lstat, stat.S_ISREG, stat.S_ISDIR
    files: list[str] = []
    lines: list[str] = []
    try:
        for folder, mtime_ns, ctime_ns, names in record:
            if not isinstance(folder, str) or not isinstance(names, list):
                return None
            path = f"{root}/{folder}" if folder else root
            info = lstat(path)  # the folder itself, even a link (no slash after it)
            base = f"{path}/"
            if not directory(info.st_mode) or (info.st_mtime_ns, info.st_ctime_ns) != (
                mtime_ns,
                ctime_ns,
            ):
                return None
            prefix = f"{folder}/" if folder else ""
            for name in names:
                info = lstat(base + name)
                if not regular(info.st_mode):
                    return None
                rel = prefix + name
                files.append(rel)
                lines.append(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ino}\n")
                if found is not None:
                    found[rel] = _Found(base + name, info.st_ino, info.st_size, info.st_mtime_ns)
    except (OSError, AttributeError, TypeError, ValueError, IndexError):  # gone, or damaged
        return None
    files.sort()
    return files, _digest(lines)


@dataclass(frozen=True, slots=True)
class _Spare:
    """The spare opened as the staging folder: the inode of each file it holds, its folders."""

    inodes: dict[str, int]
    folders: set[str]
    """The folders holding its files, and its own (paths in the staging folder)."""
    walked: list[str]
    """Every folder it has, those holding no file too (relative POSIX paths; ``""`` its own)."""


def _unshared(info: os.stat_result) -> bool:
    """Whether *info* is of a regular file with no other name (one link)."""
    return stat.S_ISREG(info.st_mode) and info.st_nlink == 1


def _link_or_copy(source: str, target: str) -> None:
    """Hard-link *source* as the new file *target* (a copy where links are refused).

    Never onto an existing file: a spare's file shares its inode with the site, so writing
    through it would change the published one.
    """
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:
        with open(source, "rb") as data, open(target, "xb") as copy:
            shutil.copyfileobj(data, copy)
        shutil.copystat(source, target)


def _fsync_dir(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2; False where it is not available."""
    import ctypes  # noqa: PLC0415 - only a build that commits needs it, not a no-change check

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP}:
        return False
    raise OSError(code, os.strerror(code), str(first))


def _swap(staging: Path, outdir: Path) -> None:
    """Put *staging* in *outdir*'s place; afterwards *staging* holds the old site (if any)."""
    if not outdir.exists():
        staging.rename(outdir)
        staging.mkdir()
        return
    if _exchange(staging, outdir):
        return
    old = outdir.parent / f".{outdir.name}.old-{os.getpid()}"
    outdir.rename(old)
    staging.rename(outdir)  # a crash just before this is undone by _recover
    old.rename(staging)


def _check_outdir(outdir: Path) -> None:
    if outdir.is_symlink():
        raise PublishError(f"{outdir}: is a symbolic link; give the real folder", field="outdir")
    if outdir.exists() and not outdir.is_dir():
        raise PublishError(f"{outdir}: exists and is not a folder", field="outdir")
    if outdir.is_dir() and any(outdir.iterdir()) and not (outdir / STATE_FILE).is_file():
        raise PublishError(
            f"{outdir}: is a folder that seoulcal did not build (it has no {STATE_FILE}); a build "
            "replaces the whole folder, so give an empty or new folder",
            field="outdir",
        )


def _flush_quietly(folder: Path) -> None:
    """:func:`_sync`, its errors left to the build's own last flush (see _Output._flush_ahead)."""
    with contextlib.suppress(OSError):
        _sync(folder)


def _sync(folder: Path) -> None:
    """Make everything written under *folder* durable: its file system's ``syncfs``.

    One flush for the whole staging folder instead of one ``fsync`` per file; where ``syncfs``
    is missing, :func:`os.sync` flushes every file system. A write error it reports (Linux 5.8
    and later) fails the build, as a failed ``fsync`` would.
    """
    import ctypes  # noqa: PLC0415 - as in _exchange

    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        os.sync()
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        if syncfs(handle) != 0:
            code = ctypes.get_errno()
            if code != errno.ENOSYS:
                raise OSError(code, os.strerror(code), str(folder))
            os.sync()
    finally:
        os.close(handle)


@dataclass(frozen=True, slots=True)
class _Files:
    """What one process's :class:`_Output` did with its files (sent back by a worker)."""

    written: list[str]
    kept: list[str]
    staged: bool
    """Whether it opened the staging folder, so that its kept files are linked there."""
    directories: set[str]
    memos: dict[str, str]
    """What it remembered for the next build (see :meth:`FolderTarget.remember`)."""
    stats: dict[str, tuple[int, int, int]]
    """Each written file's size, modification time (ns) and inode, for the manifest."""


class _Output:
    """The new site's files, taken one at a time as the build makes them.

    A file whose bytes are already in the site is only remembered; the first file that differs
    opens a staging folder (the files remembered so far are hard-linked into it), and from then on
    each file goes there at once. When nothing differs, nothing is touched.

    With a *spare* (the site before the last build, kept beside the folder by that build's
    :meth:`discard`; see :class:`_Spare`), the staging folder is the spare from the start: a
    file it already holds with the current site's inode stays as it is, and only what differs
    from the spare is unlinked and linked or written. A rebuild then costs the files that
    changed in this build and the last, not one link for every file of the site.

    One writer thread does the comparing and writing, in the order the files come, while the
    build renders the next ones (file system calls release the GIL); at most
    :data:`_QUEUED_FILES` batches wait for it, so memory stays flat whatever the site's size. Its
    first error stops the build: the next :meth:`add` or :meth:`publish` raises it.

    Worker processes write with a :meth:`sibling` each: the same staging folder, opened by
    whichever process needs it first (a spare is opened before the workers are forked);
    :meth:`publish` links what the others only remembered.
    """

    def __init__(  # noqa: PLR0913 - one site, shared by the processes of a build
        self,
        outdir: Path,
        *,
        write: Callable[..., None],
        existing: Mapping[str, _Found],
        staging: Path,
        trash: Path,
        vouched: bool = False,
        known: dict[str, bytes] | None = None,
        memos: Mapping[str, str] | None = None,
        spare: _Spare | None = None,
    ) -> None:
        """Take the files of a new site for *outdir* (the writer thread starts with the first).

        *write* writes one new file (:meth:`FolderTarget.write`). *existing*: the folder's
        files. *staging*: where the new site is made (shared by the build's processes).
        *vouched*: the folder is as the last commit left it, so :meth:`keep` may keep its files
        without reading them. *known* holds bytes of the folder's files already read (its
        states), to compare with. *memos* are the last commit's (given only when the folder is
        vouched for). *spare*: the staging folder is already open, and holds these files.
        *trash*: where the spare's files this build replaces wait until the swap is done.
        """
        self.outdir = outdir
        self._write = write
        self.vouched = vouched
        self.known = {} if known is None else known
        self.memos: Mapping[str, str] = {} if memos is None else memos
        self.remembered: dict[str, str] = {}
        self.existing = existing
        self.staging_path = staging
        self.spare = spare
        self.trash_path = trash
        self._trashed = 0
        self.staging: str | None = None if spare is None else str(self.staging_path)
        """The staging folder's path, once this process opened it."""
        self.written: list[str] = []
        self.kept: list[str] = []
        self.stats: dict[str, tuple[int, int, int]] = {}
        """Each written file's size, modification time (ns) and inode."""
        self.site = ""
        """After :meth:`publish`: the manifest digest of the site (as a walk of it would give)."""
        self.folders: list[list[object]] | None = None
        """After :meth:`publish` swapped: the record of the new site's folders (see _dated)."""
        self._directories: set[str] = set()
        """Folders this process made (their mode is set before the swap)."""
        self._present: set[str] = set() if spare is None else set(spare.folders)
        """Folders known to be in the staging folder."""
        self._queue: queue.Queue[list[tuple[str, bytes | None]] | None] = queue.Queue(
            maxsize=_QUEUED_FILES
        )
        self._error: Exception | None = None
        self._writer: threading.Thread | None = None
        self._flusher: threading.Thread | None = None
        self._unflushed = 0
        """Bytes written since the last flush started (see :meth:`_flush_ahead`)."""
        self.outcome: str | None = None
        """After :meth:`publish`: ``"swapped"``, or ``"unchanged"`` (nothing was put in place)."""

    def sibling(self) -> _Output:
        """Return an output for another process of the same build (same site, same staging)."""
        return _Output(
            self.outdir,
            write=self._write,
            existing=self.existing,
            staging=self.staging_path,
            vouched=self.vouched,
            known=self.known,
            memos=self.memos,
            spare=self.spare,
            trash=self.trash_path,
        )

    def add(self, rel: str, data: bytes) -> None:
        """Add the file *rel* (a relative POSIX path) with *data*."""
        self._put([(rel, data)])

    def keep(self, rels: Sequence[str]) -> bool:
        """Keep the files *rels* of the folder as they are (all or none); see FolderTarget.keep."""
        if self._error is not None:
            raise self._error
        if not self.vouched or any(rel not in self.existing for rel in rels):
            return False
        self._put([(rel, None) for rel in rels])
        return True

    def memo(self, name: str) -> str | None:
        """Return the last commit's memo *name* (only while the folder is vouched for)."""
        return self.memos.get(name) if self.vouched else None

    def remember(self, name: str, memo: str) -> None:
        """Keep *memo* under *name* for the record of this build's commit."""
        self.remembered[name] = memo

    def _put(self, files: list[tuple[str, bytes | None]]) -> None:
        """Queue *files* for the writer thread: each one's new bytes, or ``None`` to keep it."""
        if self._error is not None:
            raise self._error
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_all, name="seoulcal-writer")
            self._writer.start()
        self._queue.put(files)

    def _write_all(self) -> None:
        """Take the queued files until told to stop; after an error, only drain the queue."""
        while (files := self._queue.get()) is not None:
            for rel, data in files:
                if self._error is not None:
                    break
                try:
                    self._take(rel, data)
                except Exception as error:  # noqa: BLE001 - raised again in the building thread
                    self._error = error
                if data is not None:
                    self._flush_ahead(len(data))

    def _flush_ahead(self, written: int) -> None:
        """Start making the staging folder durable while the build goes on.

        The build's last step before the swap is one ``syncfs`` (:func:`_sync`), which waits
        for every byte still in memory. Every :data:`_FLUSH_EVERY` bytes this writer starts a
        ``syncfs`` in a thread of its own (one at a time): the disk writes while the members
        render, and the last flush waits for what came after. What it may fail on, the last
        flush reports; nothing is ever less durable.
        """
        self._unflushed += written
        if self._unflushed < _FLUSH_EVERY or self.staging is None:
            return
        if self._flusher is not None and self._flusher.is_alive():
            return
        self._unflushed = 0
        self._flusher = threading.Thread(
            target=_flush_quietly, args=(Path(self.staging),), name="seoulcal-flush"
        )
        self._flusher.start()

    def _stop(self) -> None:
        """Wait until every queued file is taken, and stop the writer and flushing threads.

        A flush that is under way is waited for (the build's last flush waits for the same
        bytes anyway), so that no thread outlives the build: the next one may fork.
        """
        if self._writer is not None and self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()
        if self._flusher is not None:
            self._flusher.join()

    def _take(self, rel: str, data: bytes | None) -> None:
        old = self.existing.get(rel)
        if old is not None and (data is None or self._same(rel, old, data)):
            self.kept.append(rel)
            if self.staging is not None:
                self._link(old, rel)
            return
        if data is None:  # pragma: no cover - keep() takes only files the folder has
            raise RuntimeError(f"{rel}: kept, but the previous site has no such file")
        staging = self.staging if self.staging is not None else self._open()
        after = old.mtime_ns / 1e9 if old is not None else None  # the folder is locked
        target = f"{staging}/{rel}"
        over = self._rewritable(rel, target, old)
        if not over:
            target = self._place(staging, rel)
        self._write(Path(target), data, after=after, over=over)
        info = os.stat(target)  # for the manifest: no walk of the new site afterwards
        self.stats[rel] = (info.st_size, info.st_mtime_ns, info.st_ino)
        self.written.append(rel)

    def _rewritable(self, rel: str, target: str, old: _Found | None) -> bool:
        """Whether the spare's file *rel* (at *target*) may take the new bytes in place.

        Only a regular file that no other name links to: not the current site's file (which a
        spare shares where it did not change), nor any other.
        """
        spare = self.spare
        if spare is None or rel not in spare.inodes:
            return False
        if old is not None and spare.inodes[rel] == old.inode:
            return False  # the site's own file: set aside, never written through
        try:
            info = os.lstat(target)
        except OSError:
            return False
        return _unshared(info) and (old is None or info.st_ino != old.inode)

    def _link(self, old: _Found, rel: str) -> None:
        """Put the current site's file *old* in the staging folder as *rel* (a hard link)."""
        if self.spare is not None and self.spare.inodes.get(rel) == old.inode:
            return  # the spare holds this very file already
        _link_or_copy(old.path, self._place(self.staging or self._open(), rel))

    def _place(self, staging: str, rel: str) -> str:
        """Return the path of *rel* in *staging*, free for a new file: folder made, spare gone."""
        target = f"{staging}/{rel}"
        parent = target.rpartition("/")[0]
        if parent not in self._present:
            os.makedirs(parent, exist_ok=True)
            self._present.add(parent)
            self._directories.add(parent)
        if self.spare is not None and rel in self.spare.inodes:
            self._set_aside(target)  # never written through: it may be the site's own inode
        return target

    def _set_aside(self, path: str) -> None:
        """Move a file of the spare out of the staging folder, to be deleted after the swap.

        Deleting it here would cost more than the rename: on a disk that frees blocks as files
        are deleted, the files created next are the ones that wait.
        """
        if self._trashed == 0:
            self.trash_path.mkdir(mode=0o700, exist_ok=True)  # workers share it
        self._trashed += 1
        os.rename(path, f"{self.trash_path}/{os.getpid()}-{self._trashed}")

    def _same(self, rel: str, old: _Found, data: bytes) -> bool:
        known = self.known.get(rel)
        if known is not None:
            return known == data
        return old.size == len(data) and _holds(old.path, data)

    def _open(self) -> str:
        staging = str(self.staging_path)
        # Another process of the build may have made it.
        self.staging_path.mkdir(mode=0o755, exist_ok=True)
        self.staging = staging
        self._present.add(staging)
        self._directories.add(staging)
        for rel in self.kept:
            self._link(self.existing[rel], rel)
        return staging

    def files(self) -> _Files:
        """Finish writing; return what was done with the files (a worker's share of the site)."""
        self._stop()
        if self._error is not None:
            raise self._error
        return _Files(
            self.written,
            self.kept,
            self.staging is not None,
            self._directories,
            self.remembered,
            self.stats,
        )

    def publish(
        self, parts: Sequence[_Files] = (), *, digest: str
    ) -> tuple[list[str], list[str], list[str]]:
        """Put the new site in place (unless nothing changed); return (written, kept, removed).

        *parts* are the workers' files, all finished; *digest* is the current site's manifest
        digest. Afterwards :attr:`site` is the manifest digest of the site in place, worked out
        from the files written and kept (a rename keeps a file's inode and times).
        """
        own = self.files()
        parts = [own, *parts]
        written = sorted(rel for part in parts for rel in part.written)
        kept = sorted(rel for part in parts for rel in part.kept)
        made = {*written, *kept}
        removed = sorted(rel for rel in self.existing if rel not in made)
        if self.spare is not None:
            self._clear_spare(made)
        if not written and not removed:
            self.outcome = "unchanged"  # a spare now holds the site as it is
            self.site = digest
            return [], kept, []
        stats = {rel: info for part in parts for rel, info in part.stats.items()}
        for rel in kept:
            found = self.existing[rel]
            stats[rel] = (found.size, found.mtime_ns, found.inode)
        self.site = _digest([f"{rel}\0{a}\0{b}\0{c}\n" for rel, (a, b, c) in stats.items()])
        staging = self.staging if self.staging is not None else self._open()
        for part in parts[1:]:
            self._directories.update(part.directories)
            if not part.staged:  # the worker only remembered these: link them now
                for rel in part.kept:
                    _link_or_copy(self.existing[rel].path, self._place(staging, rel))
        for directory in sorted(self._directories, key=lambda p: p.count("/"), reverse=True):
            os.chmod(directory, 0o755)
        # No folder changes after this. The spare's folders that no file explains may be left.
        left = () if self.spare is None else self.spare.walked
        self.folders = _dated(str(self.staging_path), stats, left)
        _sync(self.staging_path)  # every byte is durable before the new site becomes visible
        _swap(self.staging_path, self.outdir)
        self.folders = _swapped(str(self.outdir), self.folders)
        _fsync_dir(self.outdir.parent)
        self.outcome = "swapped"
        return written, kept, removed

    def _clear_spare(self, made: set[str]) -> None:
        """Remove what the spare holds and the new site does not, and folders left empty."""
        assert self.spare is not None  # noqa: S101 - only called with a spare
        staging = str(self.staging_path)
        emptied = set()
        for rel in self.spare.inodes:
            if rel not in made:
                self._set_aside(f"{staging}/{rel}")
                emptied.add(rel.rpartition("/")[0])
        for folder in sorted(emptied, key=lambda rel: rel.count("/"), reverse=True):
            with contextlib.suppress(OSError):  # not empty: the new site has files there
                _remove_folders(staging, folder)

    def discard(self, spare: Path) -> bool:
        """Clear the staging folder; return whether it was kept as the spare (*spare*).

        After a swap it holds the old site, and after a build that changed nothing with a spare
        it holds the current one: either is kept as the next build's spare. After a failure
        it is removed.
        """
        self._stop()
        kept = self.keeps_spare and self.staging_path.is_dir()
        if kept:
            shutil.rmtree(spare, ignore_errors=True)  # none: opened as staging, or removed
            self.staging_path.rename(spare)
        else:
            shutil.rmtree(self.staging_path, ignore_errors=True)
        shutil.rmtree(self.trash_path, ignore_errors=True)
        return kept

    @property
    def keeps_spare(self) -> bool:
        """Whether :meth:`discard` keeps the staging folder as the spare (see there)."""
        if self.outcome == "swapped":
            return bool(self.existing)  # a first build leaves an empty folder: nothing to keep
        return self.outcome == "unchanged" and self.spare is not None


def _remove_folders(staging: str, folder: str) -> None:
    """Remove the empty *folder* (relative) of *staging*, and its parents that become empty."""
    while folder:
        os.rmdir(f"{staging}/{folder}")
        folder = folder.rpartition("/")[0]


def _read(path: str) -> bytes:
    """Return the bytes of the file at *path*, read with as few system calls as it takes.

    A rebuild reads every member's state so, while the writer thread writes (see :func:`_holds`):
    four system calls, where :meth:`pathlib.Path.read_bytes` makes nine (by ``strace``).
    """
    handle = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(handle).st_size
        data = os.read(handle, size + 1)
        if len(data) == size < _ONE_READ:  # a regular file reads short only at its end
            return data
        parts = [data]  # it grew meanwhile, or is too large for one read: read to the end
        while more := os.read(handle, 1 << 20):
            parts.append(more)
        return b"".join(parts)
    finally:
        os.close(handle)


_ONE_READ = 0x7FFFF000
"""The most bytes Linux reads in one ``read``."""


def _holds(path: str, data: bytes) -> bool:
    """Tell whether the file at *path* holds *data* and nothing more (unreadable: it does not).

    Its size is known from the site's walk or record (the folder is locked). Three system calls,
    where ``os.stat`` and a file object's ``read`` made ten: a rebuild that moves an event most
    members attend compares some three thousand files of the same size as before, in the writer
    thread, which takes turns in the interpreter with the renderer (see docs/architecture.md).
    """
    try:
        handle = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:  # one byte more: a longer file differs (a file too large for one read, too)
        return len(data) < _ONE_READ and os.read(handle, len(data) + 1) == data
    except OSError:
        return False
    finally:
        os.close(handle)
