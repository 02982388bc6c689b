"""fsspec URLs as inputs and as -o: same pages as local files, outputs uploaded whole, no re-download on resume.

Everything runs on fsspec's in-process ``memory://`` filesystem (and ``file://``): no network.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import thresher
from thresher import pipeline, remote
from thresher.cli import main
from thresher.errors import InputError, MissingDependencyError, ResumeError

fsspec = pytest.importorskip("fsspec")

from tests.conftest import SEEDS  # noqa: E402

OUTPUTS = {"pages.parquet", "clusters.parquet", "summary.json", "report.html"}


def _config(**kw) -> thresher.RunConfig:
    return thresher.RunConfig(workers=2, progress=False, force=True, **kw)  # force: a busy machine is fine


@pytest.fixture
def crawl(tmp_path: Path) -> Path:
    """A small mixed crawl: the seeds, a sub-folder site, and a JSONL.gz with urls."""
    root = tmp_path / "crawl"
    root.mkdir()
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, root / f.name)
    (root / "blog").mkdir()
    (root / "blog" / "post.txt").write_text("A blog post of its own.\nWith a second line of prose text here.\n")
    (root / ".hidden.txt").write_text("not an input\n")
    recs = [{"id": f"r{i}", "url": f"https://news.example/a{i}", "text": f"Record {i} says something new.\n"}
            for i in range(3)]
    with gzip.open(root / "more.jsonl.gz", "wt") as f:
        f.write("".join(json.dumps(r) + "\n" for r in recs))
    return root


@pytest.fixture
def bucket(crawl: Path):
    """The crawl copied to memory://<unique>/crawl/; yields the bucket URL, removes it afterwards."""
    fs = fsspec.filesystem("memory")
    name = f"b{uuid.uuid4().hex[:8]}"
    for f in crawl.rglob("*"):
        if f.is_file():
            fs.pipe(f"/{name}/crawl/{f.relative_to(crawl).as_posix()}", f.read_bytes())
    yield f"memory://{name}"
    fs.rm(f"/{name}", recursive=True)


def _same_pages(local: Path, staged: Path, local_prefix: str, url_prefix: str) -> None:
    a, b = pq.read_table(local / "pages.parquet"), pq.read_table(staged / "pages.parquet")
    assert a.drop(["source"]).equals(b.drop(["source"]))  # ids, sites, text, clusters: all the same
    assert [s.replace(local_prefix, url_prefix) for s in a.column("source").to_pylist()] == \
        b.column("source").to_pylist()
    assert (local / "clusters.parquet").read_bytes() == (staged / "clusters.parquet").read_bytes()


def test_memory_folder_reads_like_the_local_folder(crawl: Path, bucket: str, tmp_path: Path) -> None:
    thresher.run([str(crawl)], tmp_path / "local", _config())
    thresher.run([f"{bucket}/crawl/"], tmp_path / "remote", _config())
    _same_pages(tmp_path / "local", tmp_path / "remote", str(crawl), f"{bucket}/crawl")
    t = pq.read_table(tmp_path / "remote" / "pages.parquet")
    assert set(t.column("site").to_pylist()) == {"crawl", "blog", "news.example"}
    assert not any(".hidden" in s for s in t.column("source").to_pylist())


def test_single_file_and_glob_urls_read_like_local_files(crawl: Path, bucket: str, tmp_path: Path) -> None:
    seeds = sorted(crawl.glob("0*.txt"))
    thresher.run([str(crawl / "blog" / "post.txt"), *map(str, seeds)], tmp_path / "local", _config())
    thresher.run([f"{bucket}/crawl/blog/post.txt", f"{bucket}/crawl/0*.txt"], tmp_path / "remote", _config())
    a, b = pq.read_table(tmp_path / "local" / "pages.parquet"), pq.read_table(tmp_path / "remote" / "pages.parquet")
    assert a.drop(["source"]).equals(b.drop(["source"]))
    assert b.column("site").to_pylist()[0] == "blog"  # a single file's site is its folder's name, as locally
    assert b.column("source").to_pylist()[0] == f"{bucket}/crawl/blog/post.txt"


def test_file_url_reads_like_the_local_path(crawl: Path, tmp_path: Path) -> None:
    thresher.run([str(crawl)], tmp_path / "local", _config())
    thresher.run([crawl.as_uri()], tmp_path / "remote", _config())
    _same_pages(tmp_path / "local", tmp_path / "remote", str(crawl), crawl.as_uri())


def test_output_url_gets_every_output_byte_identical(bucket: str, tmp_path: Path) -> None:
    fs = fsspec.filesystem("memory")
    out = f"{bucket}/out/"
    thresher.run([f"{bucket}/crawl/"], out, _config(jsonl=True, work_dir=str(tmp_path / "work")))
    got = {p.rsplit("/", 1)[-1] for p in fs.ls(out.removeprefix("memory://"), detail=False)}
    assert got == OUTPUTS | {"pages.jsonl"}
    for name in got:
        assert fs.cat(f"{out}{name}") == (tmp_path / "work" / name).read_bytes(), name
    thresher.run([f"{bucket}/crawl/"], tmp_path / "plain", _config(jsonl=True))
    for name in ("pages.parquet", "clusters.parquet", "pages.jsonl"):
        assert fs.cat(f"{out}{name}") == (tmp_path / "plain" / name).read_bytes(), name


def test_default_work_dir_is_stable_per_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    a = remote.default_work_dir("s3://bucket/out/")
    assert a == remote.default_work_dir("s3://bucket/out") != remote.default_work_dir("s3://bucket/other/")
    assert a.parent == tmp_path / "thresher"


def test_failed_run_uploads_nothing_and_resume_does_not_restage(bucket: str, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fs = fsspec.filesystem("memory")
    out, work = f"{bucket}/out/", tmp_path / "work"
    fetched: list[int] = []
    stage = remote.stage
    monkeypatch.setattr(remote, "stage", lambda st: fetched.append(stage(st)) or fetched[-1])
    passes = pipeline._passes

    def crash(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "_passes", crash)
    with pytest.raises(KeyboardInterrupt):
        thresher.run([f"{bucket}/crawl/"], out, _config(work_dir=str(work)))
    assert not fs.exists(out.removeprefix("memory://"))  # nothing uploaded from a failed run
    assert fetched == [4]  # two seeds, the blog post, the JSONL (not the hidden file)
    monkeypatch.setattr(pipeline, "_passes", passes)
    thresher.run([f"{bucket}/crawl/"], out, _config(work_dir=str(work)))
    assert fetched == [4, 0]  # the resumed run downloaded nothing again
    staged = sorted((work / remote.STAGE_DIR).rglob("post.txt"))
    assert len(staged) == 1
    staged[0].unlink()  # a staged copy lost: fetched again, and the finished run is still the same run
    thresher.run([f"{bucket}/crawl/"], out, _config(work_dir=str(work)))
    assert fetched == [4, 0, 1]
    thresher.run([f"{bucket}/crawl/"], tmp_path / "whole", _config())
    assert fs.cat(f"{out}pages.parquet") == (work / "pages.parquet").read_bytes()
    a = pq.read_table(tmp_path / "whole" / "pages.parquet")
    assert a.equals(pq.read_table(work / "pages.parquet"))

    # a changed remote file: the finished outputs of the old inputs are not replaced without --fresh;
    # with it the file is downloaded again (only it), and the run starts over on the new content
    fs.pipe(f"{bucket}/crawl/blog/post.txt", b"A new post, rewritten from scratch.\n")
    with pytest.raises(ResumeError):
        thresher.run([f"{bucket}/crawl/"], out, _config(work_dir=str(work)))
    thresher.run([f"{bucket}/crawl/"], out, _config(work_dir=str(work), fresh=True))
    assert fetched == [4, 0, 1, 4, 1, 0]  # (the fourth run staged into its own OUT)
    t = pq.read_table(work / "pages.parquet")
    assert t.column("bytes_in").to_pylist() != a.column("bytes_in").to_pylist()
    post = t.column("source").to_pylist().index(f"{bucket}/crawl/blog/post.txt")
    assert t.column("bytes_in")[post].as_py() == len(b"A new post, rewritten from scratch.\n")
    assert fs.cat(f"{out}pages.parquet") == (work / "pages.parquet").read_bytes()


def test_missing_url_is_an_input_error_before_any_output(bucket: str, tmp_path: Path) -> None:
    fs = fsspec.filesystem("memory")
    with pytest.raises(InputError, match=rf"{bucket}/nothing/: no such file or folder"):
        thresher.run([f"{bucket}/nothing/"], f"{bucket}/out/", _config(work_dir=str(tmp_path / "w")))
    assert not fs.exists(f"{bucket}/out".removeprefix("memory://"))
    with pytest.raises(InputError, match="nosuchproto://x/y"):
        thresher.run(["nosuchproto://x/y"], tmp_path / "out", _config())
    assert not (tmp_path / "out").exists()
    fs.pipe(f"{bucket}/junk/readme.md".removeprefix("memory://"), b"not a page")
    with pytest.raises(InputError, match=rf"{bucket}/junk/: no .* files here"):
        thresher.run([f"{bucket}/junk/"], tmp_path / "o2", _config())


def test_fsspec_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "fsspec", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'thresher\[remote\]'"):
        thresher.run(["s3://bucket/crawl/"], tmp_path / "out", _config())
    assert not (tmp_path / "out").exists()


def test_cli_with_urls(bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fs = fsspec.filesystem("memory")
    assert main(["run", f"{bucket}/crawl/", "-o", f"{bucket}/cli/", "--work-dir", str(tmp_path / "w"),
                 "--workers", "2", "--quiet", "--no-progress", "--force"]) == 0
    assert fs.exists(f"{bucket}/cli/summary.json".removeprefix("memory://"))
    assert main(["run", f"{bucket}/gone/", "-o", str(tmp_path / "o"), "--quiet"]) == 1
    assert f"{bucket}/gone/: no such file or folder" in capsys.readouterr().err
    assert main(["run", str(SEEDS), "-o", str(tmp_path / "o"), "--work-dir", str(tmp_path / "w2")]) == 1
    assert "invalid option work_dir: only with a URL as -o" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_bad_records_in_remote_files_name_the_url(bucket: str, tmp_path: Path) -> None:
    fs = fsspec.filesystem("memory")
    fs.pipe(f"{bucket}/bad/x.jsonl".removeprefix("memory://"), b'{"id": "a", "text": "fine"}\n{broken\n')
    with pytest.raises(InputError, match=rf"^{bucket}/bad/x.jsonl, record 2: broken JSON.*--on-error skip"):
        thresher.run([f"{bucket}/bad/"], tmp_path / "out", _config())
    summary = thresher.run([f"{bucket}/bad/"], tmp_path / "out2", _config(read=thresher.ReadOptions(on_error="skip")))
    assert summary.skipped_records == [{"source": f"{bucket}/bad/x.jsonl", "record": 2,
                                        "reason": summary.skipped_records[0]["reason"]}]


def test_ray_engine_reads_and_writes_urls(bucket: str, crawl: Path, tmp_path: Path) -> None:
    """Ray tasks only see the (local, shared) work dir: a memory:// run on Ray gives the local pages."""
    pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'thresher[ray]'")
    fs = fsspec.filesystem("memory")
    thresher.run([str(crawl)], tmp_path / "local", _config())
    thresher.run([f"{bucket}/crawl/"], f"{bucket}/ray/", _config(engine="ray", work_dir=str(tmp_path / "w")))
    with fs.open(f"{bucket}/ray/pages.parquet".removeprefix("memory://")) as f:
        b = pq.read_table(f)
    assert pq.read_table(tmp_path / "local" / "pages.parquet").drop(["source"]).equals(b.drop(["source"]))
