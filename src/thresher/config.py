"""Options of a run: frozen, keyword-only, validated before any work starts."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from .errors import ConfigError

ON_ERROR = ("fail", "skip")
ENGINES = ("local", "ray")


@dataclass(frozen=True, kw_only=True, slots=True)
class ReadOptions:
    """How input records map to pages."""

    id_field: str = "id"
    text_field: str = "text"
    url_field: str = "url"
    site_field: str | None = None  # a record field naming the site, instead of the url's host
    on_error: str = "fail"  # "fail": stop with an error naming file and record; "skip": count and go on
    max_page_bytes: int = 4_000_000  # larger pages are bad input (endless pages, dumps)

    def __post_init__(self) -> None:
        if self.on_error not in ON_ERROR:
            raise ConfigError("on_error", f"must be one of {ON_ERROR}, not {self.on_error!r}")
        if self.max_page_bytes < 1:
            raise ConfigError("max_page_bytes", "must be positive")
        for name in ("id_field", "text_field", "url_field"):
            if not getattr(self, name):
                raise ConfigError(name, "must be a non-empty field name")


@dataclass(frozen=True, kw_only=True, slots=True)
class DedupOptions:
    """MinHash/LSH over own-content shingles, verified on the candidates."""

    shingle: int = 5  # words per shingle
    num_perm: int = 128  # MinHash permutations
    bands: int = 32  # LSH bands; rows per band = num_perm // bands
    jaccard: float = 0.5  # estimated Jaccard at or above which two pages carry one article
    containment: float = 0.8  # ... or share of the smaller page's shingles found in the larger
    min_shingles: int = 30  # containment alone needs at least this much text on the smaller page
    seed: int = 1

    def __post_init__(self) -> None:
        if self.shingle < 1:
            raise ConfigError("shingle", "must be at least 1")
        if self.num_perm < 8 or self.num_perm % self.bands:
            raise ConfigError("bands", f"num_perm ({self.num_perm}) must be >= 8 and a multiple of bands")
        for name in ("jaccard", "containment"):
            v = getattr(self, name)
            if not 0.0 < v <= 1.0:
                raise ConfigError(name, f"must be in (0, 1], not {v}")

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands


@dataclass(frozen=True, kw_only=True, slots=True)
class RunConfig:
    """Everything that decides the output of ``thresher run`` besides the inputs."""

    read: ReadOptions = ReadOptions()
    dedup: DedupOptions = DedupOptions()
    shard_pages: int = 0  # pages per shard on disk; 0 = from the input size (plan.auto_shard_pages)
    workers: int = 0  # processes; 0 = one per core
    jsonl: bool = False  # also write pages.jsonl
    progress: bool | None = None  # None = when stderr is a terminal
    force: bool = False  # run even when the plan's memory or disk estimate exceeds what the machine has
    fresh: bool = False  # discard what an earlier run left in OUT instead of resuming it
    engine: str = "local"  # where per-shard work runs: "local" processes or "ray"
    ray_address: str | None = None  # a Ray cluster to join (default: start a local Ray)
    report: bool = True  # also write OUT/report.html (thresher.report)
    index: str | None = None  # an index folder: deduplicate against it, then add the pages (thresher.index)
    work_dir: str | None = None  # with a URL as OUT: the local folder the run works in (thresher.remote)
    keep_work: bool = True  # keep OUT/.thresher-work after the run (explain and the report's shard sections read it)

    def __post_init__(self) -> None:
        if self.shard_pages < 0:
            raise ConfigError("shard_pages", "must be positive (or 0 to choose from the input size)")
        if self.workers < 0:
            raise ConfigError("workers", "must be 0 (one per core) or more")
        if self.engine not in ENGINES:
            raise ConfigError("engine", f"must be one of {ENGINES}, not {self.engine!r}")
        if self.index is not None and not str(self.index):
            raise ConfigError("index", "must be a folder path")

    @property
    def n_workers(self) -> int:
        return self.workers or max(1, os.cpu_count() or 1)

    def fingerprint(self) -> dict:
        """The options that decide the output bytes (for the resume manifest)."""
        out = {}
        for group in (self.read, self.dedup):
            out.update({f"{type(group).__name__}.{f.name}": getattr(group, f.name) for f in fields(group)})
        out["shard_pages"] = self.shard_pages
        return out
