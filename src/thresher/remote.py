"""Inputs and outputs as fsspec URLs (``s3://``, ``gs://``, ``memory://``, ``file://`` …).

Remote inputs are *staged*: each readable file is copied (streamed, never
held in memory) into ``LOCAL_OUT/.thresher-inputs/<key>/`` under its own
name and the name of its folder, so every local reader works unchanged and
page ids and sites come out exactly as for the same files read locally. A
hidden sidecar records the remote size and etag/mtime; a rerun downloads
only files that are missing, partial or changed. `source` in the outputs is
mapped back from the staged path to the URL (`Staging.rename`).

A URL given as ``-o`` makes the run work in a local folder (``--work-dir``,
default a stable per-URL folder under the cache dir, so the same command
resumes) and upload the published outputs when everything has finished,
``summary.json`` last.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, InputError, MissingDependencyError, ThresherError

STAGE_DIR = ".thresher-inputs"  # beside .thresher-work: survives a manifest change, checked per file
URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
GLOB = re.compile(r"[*?\[]")
VERSION_KEYS = ("ETag", "etag", "md5Hash", "generation", "mtime", "LastModified", "last_modified", "updated",
                "created")


class OutputError(ThresherError):
    """The output URL cannot be written (unknown protocol, no credentials, upload failed)."""


def is_url(path: str | os.PathLike) -> bool:
    """True for a string with a scheme (``s3://…``); local paths and Path objects are not URLs."""
    return isinstance(path, str) and bool(URL.match(path))


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError:
        raise MissingDependencyError("fsspec", "remote", "reading or writing URL paths (s3://, gs://, ...)") \
            from None
    return fsspec


def _fs(url: str, err: type[ThresherError] | None = None) -> tuple[Any, str]:
    """(filesystem, path) for a URL, or an error naming it: unknown protocol, missing driver package."""
    fsspec = _fsspec()
    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as e:  # e.g. s3:// without s3fs: fsspec says which package
        msg = f"this protocol needs a package that is not installed: {e}"
    except (ValueError, KeyError) as e:
        msg = f"unknown or invalid URL: {e}"
    if err is OutputError:
        raise OutputError(f"{url}: {msg}")
    raise InputError(url, None, msg, skippable=False)


def _version(info: dict) -> str:
    for k in VERSION_KEYS:
        if info.get(k) is not None:
            return f"{k}={info[k]}"
    return ""


def _readable(name: str) -> bool:
    from .readers import reader_for

    return not name.startswith(".") and reader_for(Path(name)) is not None


def _key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


@dataclass(slots=True)
class RemoteFile:
    """One remote file to stage: its URL path, size, version token, and where it goes locally."""

    fs: Any
    rpath: str
    size: int
    version: str
    local: Path


@dataclass(slots=True)
class Staging:
    """The remote inputs of a run: local stand-ins in input order, files to fetch, and the URL map."""

    paths: list[Path] = field(default_factory=list)  # every input, local or staged, in input order
    files: list[RemoteFile] = field(default_factory=list)
    prefixes: list[tuple[str, str]] = field(default_factory=list)  # (staged prefix, URL prefix)

    @property
    def remote(self) -> bool:
        return bool(self.files)

    def manifest(self) -> list:
        """What the resume manifest records of remote inputs: URL path, size, version."""
        return [[f.rpath, f.size, f.version] for f in self.files]

    def rename(self, source: str) -> str:
        """A staged file's path as the URL it came from (other paths unchanged)."""
        for local, url in self.prefixes:
            if source == local or source.startswith(local + "/"):
                return url + source[len(local):]
        return source


def _listing(url: str) -> tuple[Any, str, list[tuple[str, dict]], bool]:
    """(fs, path, [(path, info)], is_folder): the file a URL names, or a folder's or glob's files, sorted."""
    fs, root = _fs(url)
    try:
        if GLOB.search(root):
            found, folder = fs.glob(root, detail=True), True
        elif fs.isdir(root):
            found, folder = fs.find(root, detail=True), True
        else:
            found, folder = {root: fs.info(root)}, False
    except FileNotFoundError:
        raise InputError(url, None, "no such file or folder", skippable=False) from None
    except ThresherError:
        raise
    except Exception as e:  # credentials, permissions, network: the driver's own message
        raise InputError(url, None, f"cannot list: {type(e).__name__}: {e}", skippable=False) from None
    return fs, root, sorted((p, i) for p, i in found.items() if i.get("type") != "directory"), folder


def stage_plan(inputs: Sequence[str | os.PathLike], local_out: Path) -> Staging:
    """Resolve every input: local paths as they are, URLs listed (nothing downloaded yet)."""
    from .readers import FORMATS, WORK_DIR

    st = Staging()
    base = local_out / STAGE_DIR
    for raw in inputs:
        if not is_url(raw):
            st.paths.append(Path(raw))
            continue
        url = str(raw)
        fs, root, items, folder = _listing(url)
        if not folder:  # one file: staged under its folder's name, so the site-from-folder rule holds
            path, info = items[0]
            parent = path.rstrip("/").rsplit("/", 1)[0] if "/" in path.rstrip("/") else ""
            dest = base / _key(url) / (parent.rsplit("/", 1)[-1] or "pages") / path.rstrip("/").rsplit("/", 1)[-1]
            st.files.append(RemoteFile(fs, path, int(info.get("size") or 0), _version(info), dest))
            st.paths.append(dest)
            st.prefixes.append((str(dest), url))
            continue
        glob = GLOB.search(root)
        top = root[:glob.start()].rsplit("/", 1)[0] if glob else root.rstrip("/")
        url_top = url[:GLOB.search(url).start()].rsplit("/", 1)[0] if glob else url.rstrip("/")
        stage_root = base / _key(url) / (top.rsplit("/", 1)[-1] or "pages")
        n = 0
        for path, info in items:
            rel = path[len(top):].lstrip("/")
            if not _readable(rel.rsplit("/", 1)[-1]) or WORK_DIR in rel.split("/"):
                continue
            dest = stage_root / rel
            st.files.append(RemoteFile(fs, path, int(info.get("size") or 0), _version(info), dest))
            n += 1
            if glob:  # a glob is its files, each an input of its own (as a shell glob is)
                st.paths.append(dest)
        if n == 0:
            raise InputError(url, None, f"no {FORMATS} files here", skippable=False)
        if not glob:
            st.paths.append(stage_root)
        st.prefixes.append((str(stage_root), url_top))
    return st


def _sidecar(local: Path) -> Path:
    return local.with_name(f".{local.name}.thresher-stat")


def stage(st: Staging) -> int:
    """Download every remote file not already staged intact; return how many were downloaded."""
    fetched = 0
    for f in st.files:
        stamp = json.dumps([f.rpath, f.size, f.version])
        side = _sidecar(f.local)
        if f.local.is_file() and f.local.stat().st_size == f.size and side.is_file() \
                and side.read_text() == stamp:
            continue
        f.local.parent.mkdir(parents=True, exist_ok=True)
        for stale in f.local.parent.glob(f".{glob.escape(f.local.name)}.part-*"):  # left by an interrupted download
            stale.unlink(missing_ok=True)
        tmp = f.local.with_name(f".{f.local.name}.part-{os.getpid()}")
        try:
            with f.fs.open(f.rpath, "rb") as src, tmp.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except FileNotFoundError:
            tmp.unlink(missing_ok=True)
            raise InputError(f.rpath, None, "vanished while being read", skippable=False) from None
        except Exception as e:
            tmp.unlink(missing_ok=True)
            raise InputError(f.rpath, None, f"cannot read: {type(e).__name__}: {e}", skippable=False) from None
        got = tmp.stat().st_size
        if f.size and got != f.size:
            tmp.unlink()
            raise InputError(f.rpath, None, f"read {got:,} bytes, expected {f.size:,} (changed while read?)",
                             skippable=False)
        side.unlink(missing_ok=True)
        os.utime(tmp, (0, 0))  # a fixed mtime: the manifest sees the remote version, not when it was fetched
        os.replace(tmp, f.local)
        side.write_text(stamp)
        os.utime(side, (0, 0))
        fetched += 1
    return fetched


def default_work_dir(url: str) -> Path:
    """A stable local folder for an output URL, so that the same command resumes."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "thresher" / _key(url.rstrip("/"))


def check_output(url: str) -> None:
    """Fail before any work when the output URL cannot be resolved or reached."""
    fs, root = _fs(url, OutputError)
    try:
        if fs.isfile(root):
            raise OutputError(f"{url}: is a file; -o needs a folder")
    except ThresherError:
        raise
    except Exception as e:
        raise OutputError(f"{url}: cannot reach: {type(e).__name__}: {e}") from None


def upload(local: Path, url: str, names: Sequence[str]) -> None:
    """Copy the published outputs to the URL, summary.json last (its presence marks a complete output)."""
    fs, root = _fs(url, OutputError)
    root = root.rstrip("/")
    order = sorted(names, key=lambda n: n == "summary.json")
    try:
        fs.makedirs(root, exist_ok=True)
        if fs.exists(f"{root}/summary.json"):  # an earlier run's: not a mark of completeness while we upload
            fs.rm_file(f"{root}/summary.json")
        for name in order:
            fs.put_file(str(local / name), f"{root}/{name}")
    except Exception as e:
        raise OutputError(f"{url}: upload failed ({type(e).__name__}: {e}); the outputs are complete in "
                          f"{local}, run the same command again to retry") from None


def local_out(out: str | os.PathLike, work_dir: str | os.PathLike | None) -> Path:
    """The local folder a run writes in: OUT itself, or for a URL the work dir (default: per-URL cache)."""
    if not is_url(out):
        if work_dir is not None:
            raise ConfigError("work_dir", "only with a URL as -o (a local -o works in OUT/.thresher-work)")
        return Path(out)
    return Path(work_dir) if work_dir is not None else default_work_dir(str(out))


def prepare(inputs: Sequence[str | os.PathLike], out: str | os.PathLike,
            work_dir: str | os.PathLike | None) -> tuple[Staging, Path, str | None]:
    """Check the output URL, list and stage remote inputs; (staging, local out folder, output URL or None).

    Without any URL this only wraps the paths (fsspec is not imported).
    """
    out_url = str(out) if is_url(out) else None
    local = local_out(out, work_dir)
    if out_url is not None:
        check_output(out_url)
    st = stage_plan(inputs, local)
    if st.remote:
        need = sum(f.size for f in st.files if not f.local.is_file())
        local.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(local).free
        if need > free:
            raise InputError(st.prefixes[0][1], None, f"staging needs {need:,} bytes on {local}, "
                             f"{free:,} free (choose another --work-dir or -o)", skippable=False)
        stage(st)
    return st, local, out_url
