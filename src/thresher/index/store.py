"""The index directory: versions of one accumulated work tree, switched atomically.

    DIR/CURRENT            the name of the live version ("v000003"), replaced by rename
    DIR/v000003/           pages, blocks, roles, signatures ... shards of every batch so far
                           + index.json (settings, batches, shard starts) + the final
                           clusters and edges of the last update
    DIR/.lock              held (flock) by the one run that updates the index

An update builds the next version in a temporary sibling whose shard files are
hard links to the live version's (shard files are never modified in place:
every write is a new file renamed over the old name), changes only what the
batch changes, renames the sibling to its version name and then replaces
CURRENT. A crash at any point leaves CURRENT naming a complete version; the
leftovers (a temporary sibling, a renamed but unpublished version) are removed
by the next run.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import __version__
from ..config import RunConfig
from ..errors import ThresherError

# 2: blocks carry `endnote`; 3: `agg` names the lowest and highest claiming cluster; 4: roles patches (`roles`)
FORMAT = 4
# shard stages that make up the index; everything else in a version is derived and rebuilt per update
# (spread.duckdb is not among them: a version copies the live one's and changes it, `counts.carry_pass1`)
STAGES = ("pages", "blocks", "roles1", "roles2", "roles1-patch", "roles2-patch", "sig1", "count1", "chash1", "keys1",
          "sig2", "count2", "chash2", "keys2", "rawsig", "rawcount", "run1", "runkeys1", "runtol1")
# per-update files not kept in a version (the output rows are written again from its shards)
DERIVED = ("signals1", "signals2", "duckdb-tmp", "done", "decide", "rows", "resigned1", "resigned2", "pagehash")
VERSION = re.compile(r"\.?v\d{6}(\.tmp)?")


class IndexStoreError(ThresherError):
    """The index cannot be used with this run (other settings, other version, damaged)."""


@dataclass(slots=True)
class Batch:
    """One `thresher run --index` that was added: its inputs and where its pages and shards start."""

    inputs: str  # digest of the input files (names, sizes, mtimes)
    first_page: int
    pages: int
    first_shard: int
    shards: int


@dataclass(slots=True)
class Meta:
    """index.json of one version."""

    format: int
    version: str
    settings: dict
    batches: list[Batch] = field(default_factory=list)
    shard_starts: list[int] = field(default_factory=list)  # first page of every shard

    @property
    def pages(self) -> int:
        return sum(b.pages for b in self.batches)

    @property
    def shards(self) -> int:
        return len(self.shard_starts)

    def to_json(self) -> str:
        return json.dumps({"format": self.format, "version": self.version, "settings": self.settings,
                           "batches": [asdict(b) for b in self.batches],
                           "shard_starts": self.shard_starts}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Meta:
        d = json.loads(text)
        return cls(format=d["format"], version=d["version"], settings=d["settings"],
                   batches=[Batch(**b) for b in d["batches"]], shard_starts=d["shard_starts"])


def settings_of(config: RunConfig) -> dict:
    """The options an index is bound to: everything that decides output bytes except the sharding."""
    return {k: v for k, v in config.fingerprint().items() if k != "shard_pages"}


class IndexStore:
    """An index directory on disk (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- reading -------------------------------------------------------------
    def current(self) -> tuple[Path | None, Meta | None]:
        """(live version folder, its metadata), or (None, None) for an empty index."""
        cur = self.root / "CURRENT"
        if not cur.exists():
            return None, None
        path = self.root / cur.read_text().strip()
        meta = path / "index.json"
        if not meta.exists():
            raise IndexStoreError(f"index {self.root} is damaged: CURRENT names {path.name}, which is missing")
        return path, Meta.from_json(meta.read_text())

    def check(self, config: RunConfig) -> None:
        """Refuse an index made by another format, thresher version or settings, naming what differs."""
        _, meta = self.current()
        if meta is None:
            return
        if meta.format != FORMAT or meta.version != __version__:
            raise IndexStoreError(f"index {self.root} was made by thresher {meta.version} (index format "
                              f"{meta.format}); this is thresher {__version__} (format {FORMAT}): rebuild the "
                              "index, or use that version")
        mine = settings_of(config)
        for key in sorted(set(mine) | set(meta.settings)):
            if mine.get(key) != meta.settings.get(key):
                raise IndexStoreError(f"index {self.root} was built with {key}={meta.settings.get(key)!r}; this run "
                                  f"has {key}={mine.get(key)!r}: run with the index's setting, or use another "
                                  "--index")

    # -- writing -------------------------------------------------------------
    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the index's lock: one update at a time (a second run waits for the first)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                self._clean()
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _clean(self) -> None:
        """Remove what an interrupted update left: temporary versions, versions CURRENT does not name."""
        live, _ = self.current()
        for p in self.root.iterdir():
            if p.is_dir() and VERSION.fullmatch(p.name) and p != live:
                shutil.rmtree(p)

    def begin(self) -> Path:
        """A new temporary version: the live version's shard files, hard-linked (no data is copied)."""
        live, _ = self.current()
        n = int(live.name[1:]) + 1 if live is not None else 0
        tmp = self.root / f".v{n:06d}.tmp"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        if live is not None:
            for stage in STAGES:
                src = live / stage
                if src.is_dir():
                    (tmp / stage).mkdir()
                    for f in src.iterdir():
                        os.link(f, tmp / stage / f.name)
        return tmp

    def commit(self, tmp: Path, meta: Meta) -> Path:
        """Make `tmp` the live version: write its index.json, rename it, then switch CURRENT (atomic)."""
        _write_synced(tmp / "index.json", meta.to_json())
        old, _ = self.current()
        final = self.root / tmp.name[1:].removesuffix(".tmp")
        if final.exists():
            shutil.rmtree(final)
        # derived and not needed again; spread.duckdb stays: the next update compares its counts with it
        for name in DERIVED:
            shutil.rmtree(tmp / name, ignore_errors=True)
        os.replace(tmp, final)
        _write_synced(self.root / ".CURRENT.tmp", final.name)
        os.replace(self.root / ".CURRENT.tmp", self.root / "CURRENT")
        _fsync_dir(self.root)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return final


def _write_synced(path: Path, text: str) -> None:
    with path.open("w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
