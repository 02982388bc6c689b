"""The `thresher` command line: help with examples, exit codes, the bundled sample, --jsonl."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from thresher import __version__
from thresher.cli import build_parser, main, sample_dir


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 0
    return capsys.readouterr().out


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(subs) == 1
    return dict(subs[0].choices)


def test_main_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    out = _help(["--help"], capsys)
    assert "usage: thresher" in out
    assert "example" in out.lower()
    assert "thresher run " in out.split("example", 1)[1]  # the example is a command line
    assert "run" in out  # the subcommand is listed


def test_run_help_has_examples_and_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    out = _help(["run", "--help"], capsys)
    assert "usage: thresher run" in out
    examples = out.lower().split("example", 1)[1]
    assert "thresher run" in examples
    assert "--sample" in examples
    for opt in ("--out", "--jsonl", "--on-error", "--id-field", "--text-field", "--url-field", "--site-field",
                "--max-page-bytes", "--workers", "--sample", "--drop-work"):
        assert opt in out


def test_every_subcommand_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    subs = _subcommands()
    assert "run" in subs
    for name, sub in subs.items():
        text = sub.format_help()
        assert "example" in text.lower(), f"`thresher {name} --help` has no example"
        assert f"thresher {name}" in text.lower().split("example", 1)[1], name
        assert _help([name, "--help"], capsys) == text


def test_console_script_help() -> None:
    exe = shutil.which("thresher")
    cmd = [exe] if exe else [sys.executable, "-m", "thresher.cli"]
    res = subprocess.run([*cmd, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert res.returncode == 0, res.stderr
    assert "example" in res.stdout.lower()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert _help(["--version"], capsys).strip() == f"thresher {__version__}"


def test_no_command_prints_help_and_returns_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    assert "usage: thresher" in out
    assert "example" in out.lower()


def test_run_without_inputs_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["run", "-o", str(tmp_path / "out")])
    assert e.value.code == 2
    assert "--sample" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv", [
    ["run", "--sample"],  # no -o
    ["run", "--sample", "-o", "x", "--on-error", "ignore"],
    ["run", "--sample", "-o", "x", "--workers", "many"],
    ["frobnicate"],
])
def test_bad_command_lines_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_invalid_option_value_returns_1_naming_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--sample", "-o", str(tmp_path / "out"), "--jaccard", "1.5"]) == 1
    err = capsys.readouterr().err
    assert "jaccard" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out" / "pages.parquet").exists()


def test_sample_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", "--sample", "-o", str(out)]) == 0
    pages = pq.read_table(out / "pages.parquet")
    assert pages.num_rows == 2
    assert sorted(pages.column("id").to_pylist()) == sorted(p.name for p in sample_dir().glob("*.txt"))
    # the two bundled pages are two crawls of one article: one cluster, one kept
    assert len(set(pages.column("cluster").to_pylist())) == 1
    assert sorted(pages.column("kept").to_pylist()) == [False, True]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["pages_in"] == summary["pages_out"] == 2
    assert summary["skipped"] == 0
    assert (out / "clusters.parquet").exists()
    assert not (out / "pages.jsonl").exists()  # only with --jsonl
    assert "pages in" in capsys.readouterr().err  # the summary table


def test_quiet_prints_no_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--sample", "-o", str(tmp_path / "out"), "--quiet", "--workers", "1"]) == 0
    assert capsys.readouterr().err == ""


def test_jsonl_writes_one_line_per_page(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["run", "--sample", "-o", str(out), "--jsonl", "--quiet", "--workers", "1"]) == 0
    lines = (out / "pages.jsonl").read_text(encoding="utf-8").splitlines()
    pages = pq.read_table(out / "pages.parquet")
    assert len(lines) == pages.num_rows == 2
    rows = [json.loads(x) for x in lines]
    assert [r["id"] for r in rows] == pages.column("id").to_pylist()
    assert [r["text"] for r in rows] == pages.column("text").to_pylist()
    assert [r["kept"] for r in rows] == pages.column("kept").to_pylist()
    assert {"id", "url", "site", "cluster", "kept", "reason", "duplicate_of", "text"} <= set(rows[0])


def test_drop_work_removes_the_work_directory_and_keeps_the_outputs(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    kept, dropped = tmp_path / "kept", tmp_path / "dropped"
    assert main(["run", "--sample", "-o", str(kept), "--quiet", "--workers", "1"]) == 0
    assert main(["run", "--sample", "-o", str(dropped), "--quiet", "--workers", "1", "--drop-work"]) == 0
    assert (kept / ".thresher-work").is_dir() and not (dropped / ".thresher-work").exists()
    for name in ("pages.parquet", "clusters.parquet"):
        assert (dropped / name).read_bytes() == (kept / name).read_bytes(), name
    assert "Top chrome lines" in (dropped / "report.html").read_text(encoding="utf-8")  # written before the drop
    page = pq.read_table(dropped / "pages.parquet").column("id")[0].as_py()
    assert main(["explain", str(dropped), page]) == 1
    assert "work directory is missing" in capsys.readouterr().err
    # the same command again starts over (nothing to resume) and gives the same outputs
    assert main(["run", "--sample", "-o", str(dropped), "--quiet", "--workers", "1", "--drop-work"]) == 0
    assert (dropped / "pages.parquet").read_bytes() == (kept / "pages.parquet").read_bytes()


def test_missing_input_returns_1_naming_the_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such-crawl.jsonl"
    out = tmp_path / "out"
    assert main(["run", str(missing), "-o", str(out)]) == 1
    errors = [x for x in capsys.readouterr().err.splitlines() if x.startswith("thresher: error: ")]
    assert len(errors) == 1
    assert str(missing) in errors[0]
    assert "no such file or folder" in errors[0]
    assert not (out / "pages.parquet").exists()
    assert not (out / "summary.json").exists()


def test_missing_input_next_to_the_sample_returns_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing"
    assert main(["run", "--sample", str(missing), "-o", str(tmp_path / "out")]) == 1
    assert str(missing) in capsys.readouterr().err


def test_custom_field_flags(tmp_path: Path) -> None:
    crawl = tmp_path / "crawl.jsonl"
    crawl.write_text("".join(json.dumps(r) + "\n" for r in [
        {"doc_id": "d1", "body": "Rivers and boats\nA page about rivers.", "link": "https://www.a.example/1",
         "domain": "A"},
        {"doc_id": "d2", "body": "Snow and mountains\nA page about snow.", "link": "https://www.b.example/2"},
    ]), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(crawl), "-o", str(out), "--quiet", "--workers", "1", "--id-field", "doc_id",
                 "--text-field", "body", "--url-field", "link", "--site-field", "domain"]) == 0
    t = pq.read_table(out / "pages.parquet", columns=["id", "url", "site"])
    assert t.column("id").to_pylist() == ["d1", "d2"]
    assert t.column("url").to_pylist() == ["https://www.a.example/1", "https://www.b.example/2"]
    assert t.column("site").to_pylist() == ["A", "b.example"]


def test_custom_field_missing_names_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crawl = tmp_path / "crawl.jsonl"
    crawl.write_text(json.dumps({"id": "x", "body": "text"}) + "\n", encoding="utf-8")
    assert main(["run", str(crawl), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{crawl}, record 1" in err
    assert "--text-field" in err
