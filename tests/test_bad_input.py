"""Bad input, through `thresher.run` and through the CLI.

Default policy: an `InputError` naming the file (and the record or line where
there is one), exit code 1, and nothing published in OUT. With
``on_error="skip"``: the run succeeds, every good page is in pages.parquet, and
summary.json counts and lists what was skipped.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

import thresher
from thresher.cli import main

OUTPUTS = ("pages.parquet", "summary.json", "clusters.parquet", "pages.jsonl")
BIG = 10_000_000  # default --max-page-bytes is 4 MB

GOOD = [
    {"id": "good-1", "url": "https://www.good.example/one",
     "text": "A short headline\nThe first good page talks about rivers and the boats that sail on them."},
    {"id": "good-2", "url": "https://www.good.example/two",
     "text": "Another headline\nThe second good page is about mountains, snow and the people who climb."},
    {"id": "good-3", "url": "https://other.example/three",
     "text": "Third headline\nThe third good page describes a market, its stalls and the morning trade."},
]


def line(rec: dict) -> bytes:
    return (json.dumps(rec) + "\n").encode()


def extra(i: int) -> dict:
    """A good record that lives in the bad file, next to the bad one."""
    return {"id": f"bad-file-{i}", "text": f"Good record {i} inside a file with a bad one.\nWith a second line {i}."}


@dataclass
class Case:
    """One kind of bad input: the bad file, and what the run must say about it."""

    name: str
    filename: str
    make: Callable[[Path], None]  # writes the bad file
    record: int | None  # the record (line/row) the error names; None: the file as a whole; TRUNCATED: see there
    reason: str  # a piece of the error's reason
    skipped: int = 1  # records skipped with --on-error skip
    good_in_bad_file: list[str] = field(default_factory=list)  # ids still read from the bad file
    prefix_of: list[str] | None = None  # truncated files: the ids read are a prefix of these


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda p: p.write_bytes(data)


def _random_binary(seed: int, n: int = 4096) -> bytes:
    rng = random.Random(seed)
    data = bytearray(rng.randbytes(n))
    data[0:2] = b"\xff\x00"  # line 1 is certainly not blank, not UTF-8, and has a NUL
    for i in range(0, n, 97):
        data[i + 1] = 0
    return bytes(data)


BINARY_TXT = _random_binary(1)
BINARY_JSONL = _random_binary(2)
BINARY_JSONL_LINES = sum(1 for chunk in BINARY_JSONL.split(b"\n") if chunk.strip())


def _huge_txt(p: Path) -> None:
    p.write_bytes(b"word " * (BIG // 5))


def _huge_jsonl(p: Path) -> None:
    p.write_bytes(line(extra(1)) + line({"id": "huge", "text": "word " * (BIG // 5)}) + line(extra(3)))


TRUNC_IDS = [f"t{i}" for i in range(300)]
# A truncated file names the record after the last whole line it could read, or, when the cut
# comes before any line could be read (gzip reads ahead up to 1 MB), the file alone.
TRUNCATED = -1


def _truncated_gz(p: Path) -> None:
    data = gzip.compress(b"".join(line({"id": i, "text": f"page {i} " + "lorem ipsum " * 40}) for i in TRUNC_IDS))
    p.write_bytes(data[: len(data) // 2])


def _truncated_zst(p: Path) -> None:
    data = zstandard.ZstdCompressor().compress(
        b"".join(line({"id": i, "text": f"page {i} " + "lorem ipsum " * 40}) for i in TRUNC_IDS))
    p.write_bytes(data[: len(data) // 2])


def _parquet_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _corrupt_parquet(p: Path) -> None:
    data = _parquet_bytes(pa.table({"id": ["p1", "p2"], "text": ["one", "two"]}))
    p.write_bytes(data[: len(data) // 2])  # the footer (schema, row groups) is gone


def _parquet_null_text(p: Path) -> None:
    p.write_bytes(_parquet_bytes(pa.table({"id": ["bad-file-1", "null-text", "bad-file-3"],
                                           "text": [extra(1)["text"], None, extra(3)["text"]]})))


CASES = [
    Case("broken_json", "bad.jsonl", _bytes(line(extra(1)) + b'{"id": "broken", "text": "no end\n' + line(extra(3))),
         2, "broken JSON", good_in_bad_file=["bad-file-1", "bad-file-3"]),
    Case("no_text_field", "bad.jsonl", _bytes(line(extra(1)) + line({"id": "no-text", "body": "x"}) + line(extra(3))),
         2, "no 'text' field", good_in_bad_file=["bad-file-1", "bad-file-3"]),
    Case("text_not_string", "bad.jsonl", _bytes(line(extra(1)) + line({"id": "num", "text": 42}) + line(extra(3))),
         2, "is int, not text", good_in_bad_file=["bad-file-1", "bad-file-3"]),
    Case("text_is_list", "bad.jsonl", _bytes(line({"id": "list", "text": ["a", "b"]})), 1, "is list, not text"),
    Case("record_not_object", "bad.jsonl", _bytes(line(extra(1)) + b'["a list"]\n'), 2, "expected a JSON object",
         good_in_bad_file=["bad-file-1"]),
    Case("non_utf8_jsonl", "bad.jsonl",
         _bytes(line(extra(1)) + b'{"id": "latin1", "text": "caf\xe9"}\n' + line(extra(3))),
         2, "not UTF-8", good_in_bad_file=["bad-file-1", "bad-file-3"]),
    Case("non_utf8_txt", "bad.txt", _bytes("Un café à Paris\n".encode("latin-1")), None, "not UTF-8"),
    Case("lone_surrogate", "bad.jsonl", _bytes(line(extra(1)) + b'{"id": "s", "text": "half \\ud83d"}\n'),
         2, "surrogate", good_in_bad_file=["bad-file-1"]),
    Case("empty_txt", "bad.txt", _bytes(b""), None, "empty file"),
    Case("empty_jsonl", "bad.jsonl", _bytes(b""), None, "empty file"),
    Case("empty_jsonl_gz", "bad.jsonl.gz", _bytes(gzip.compress(b"")), None, "empty file"),
    Case("binary_txt", "bad.txt", _bytes(BINARY_TXT), None, "binary data"),
    Case("binary_jsonl", "bad.jsonl", _bytes(BINARY_JSONL), 1, "not UTF-8", skipped=BINARY_JSONL_LINES),
    Case("huge_txt", "bad.txt", _huge_txt, None, "exceeds --max-page-bytes"),
    Case("huge_jsonl", "bad.jsonl", _huge_jsonl, 2, "exceeds twice --max-page-bytes",
         good_in_bad_file=["bad-file-1", "bad-file-3"]),
    Case("truncated_gz", "bad.jsonl.gz", _truncated_gz, TRUNCATED, "truncated", prefix_of=TRUNC_IDS),
    Case("truncated_zst", "bad.jsonl.zst", _truncated_zst, TRUNCATED, "truncated", prefix_of=TRUNC_IDS),
    Case("not_gzip", "bad.jsonl.gz", _bytes(b'{"id": "plain", "text": "not compressed"}\n'), None, "corrupt"),
    Case("corrupt_parquet", "bad.parquet", _corrupt_parquet, None, "not a readable Parquet file"),
    Case("parquet_random_bytes", "bad.parquet", _bytes(BINARY_TXT), None, "not a readable Parquet file"),
    Case("parquet_null_text", "bad.parquet", _parquet_null_text, 2, "no 'text' field",
         good_in_bad_file=["bad-file-1", "bad-file-3"]),
    Case("duplicate_id", "bad.jsonl", _bytes(line(extra(1)) + line({"id": "good-2", "text": "same id again"})),
         2, "duplicate id 'good-2'", good_in_bad_file=["bad-file-1"]),
]
IDS = [c.name for c in CASES]
# the CLI's --on-error skip goes through the same run as the API: one case per reader and kind of damage
# (a whole run costs ~0.3 s, so not every case twice)
CLI_SKIP = ["broken_json", "non_utf8_txt", "binary_jsonl", "huge_txt", "truncated_gz", "corrupt_parquet",
            "duplicate_id"]


def make_inputs(tmp_path: Path, case: Case) -> tuple[list[str], Path, Path]:
    """(inputs, the bad file, OUT): a folder of good pages, then the bad file."""
    good = tmp_path / "in" / "good"
    good.mkdir(parents=True)
    (good / "pages.jsonl").write_bytes(b"".join(line(r) for r in GOOD))
    bad = tmp_path / "in" / case.filename
    case.make(bad)
    return [str(good), str(bad)], bad, tmp_path / "out"


def assert_nothing_published(out: Path) -> None:
    for name in OUTPUTS:
        assert not (out / name).exists(), f"{name} was published by a failed run"


def assert_names_where(message: str, bad: Path, case: Case) -> None:
    assert str(bad) in message
    if case.record is not None and case.record > 0:
        assert f"{bad}, record {case.record}:" in message
    assert case.reason in message.split(f"{bad}", 1)[1]
    assert "--on-error skip" in message  # the error says how to go on


def check_skip_outputs(out: Path, bad: Path, case: Case) -> None:
    ids = pq.read_table(out / "pages.parquet", columns=["id"]).column("id").to_pylist()
    summary = json.loads((out / "summary.json").read_text())
    good_ids = [r["id"] for r in GOOD]
    assert ids[: len(good_ids)] == good_ids  # every good page, in input order
    from_bad = ids[len(good_ids):]
    if case.prefix_of is not None:
        assert from_bad == case.prefix_of[: len(from_bad)]
        assert len(from_bad) < len(case.prefix_of)
    else:
        assert from_bad == case.good_in_bad_file
    assert summary["skipped"] == case.skipped
    assert len(summary["skipped_records"]) == case.skipped
    for rec in summary["skipped_records"]:
        assert set(rec) == {"source", "record", "reason"}
        assert rec["source"] == str(bad)
        assert rec["reason"]
    first = summary["skipped_records"][0]
    assert case.reason in first["reason"]
    if case.record is None:
        assert first["record"] is None
    elif case.record == TRUNCATED:
        assert first["record"] == (len(from_bad) + 1 if from_bad else None)
    else:
        assert first["record"] == case.record
    # the counts add up: every input record is a page out or a skip
    assert summary["pages_out"] == len(ids)
    assert summary["pages_in"] == len(ids) + case.skipped


def test_cases_are_distinct() -> None:
    assert len(set(IDS)) == len(IDS)
    assert set(CLI_SKIP) <= set(IDS)
    assert BINARY_JSONL_LINES > 1


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_run_fails_naming_file_and_record(tmp_path: Path, case: Case) -> None:
    inputs, bad, out = make_inputs(tmp_path, case)
    with pytest.raises(thresher.InputError) as e:
        thresher.run(inputs, out, thresher.RunConfig(workers=1))
    assert e.value.path == str(bad)
    if case.record is None:
        assert e.value.record is None
    elif case.record > 0:
        assert e.value.record == case.record
    else:
        assert e.value.record is None or e.value.record >= 1
    assert case.reason in e.value.reason
    assert_names_where(str(e.value), bad, case)
    assert_nothing_published(out)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_fails_with_exit_1(tmp_path: Path, case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    inputs, bad, out = make_inputs(tmp_path, case)
    assert main(["run", *inputs, "-o", str(out), "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [x for x in err.splitlines() if x.startswith("thresher: error: ")]
    assert len(errors) == 1, err
    assert_names_where(errors[0], bad, case)
    assert_nothing_published(out)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_run_skips_and_counts(tmp_path: Path, case: Case) -> None:
    inputs, bad, out = make_inputs(tmp_path, case)
    summary = thresher.run(inputs, out, thresher.RunConfig(workers=1, read=thresher.ReadOptions(on_error="skip")))
    assert summary.skipped == case.skipped
    assert len(summary.skipped_records) == case.skipped
    check_skip_outputs(out, bad, case)


@pytest.mark.parametrize("case", [c for c in CASES if c.name in CLI_SKIP], ids=CLI_SKIP)
def test_cli_skips_and_counts(tmp_path: Path, case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    inputs, bad, out = make_inputs(tmp_path, case)
    assert main(["run", *inputs, "-o", str(out), "--workers", "1", "--on-error", "skip", "--jsonl"]) == 0
    check_skip_outputs(out, bad, case)
    jsonl_ids = [json.loads(x)["id"] for x in (out / "pages.jsonl").read_text(encoding="utf-8").splitlines()]
    assert jsonl_ids == pq.read_table(out / "pages.parquet", columns=["id"]).column("id").to_pylist()
    err = capsys.readouterr().err
    assert "skipped (bad input)" in err  # the summary on stderr says records were skipped




def test_failed_run_then_fixed_input_publishes(tmp_path: Path) -> None:
    """After a failure nothing is published; fixing the input and rerunning gives the outputs."""
    case = CASES[0]
    inputs, bad, out = make_inputs(tmp_path, case)
    with pytest.raises(thresher.InputError):
        thresher.run(inputs, out, thresher.RunConfig(workers=1))
    assert_nothing_published(out)
    bad.write_bytes(line(extra(1)))
    summary = thresher.run(inputs, out, thresher.RunConfig(workers=1))
    assert summary.skipped == 0
    assert pq.read_table(out / "pages.parquet").num_rows == len(GOOD) + 1



def test_failed_run_then_skip_as_advised_publishes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES[0]
    inputs, bad, out = make_inputs(tmp_path, case)
    args = ["run", *inputs, "-o", str(out), "--workers", "1", "--quiet"]
    assert main(args) == 1
    assert "--on-error skip" in capsys.readouterr().err
    assert main([*args, "--on-error", "skip"]) == 0, capsys.readouterr().err
    check_skip_outputs(out, bad, case)


def test_failed_run_into_a_new_out_with_skip_publishes(tmp_path: Path) -> None:
    case = CASES[0]
    inputs, bad, out = make_inputs(tmp_path, case)
    assert main(["run", *inputs, "-o", str(out), "--workers", "1", "--quiet"]) == 1
    assert_nothing_published(out)
    other = tmp_path / "out2"
    assert main(["run", *inputs, "-o", str(other), "--workers", "1", "--quiet", "--on-error", "skip"]) == 0
    check_skip_outputs(other, bad, case)


def test_skip_does_not_hide_a_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.jsonl"
    good.write_bytes(b"".join(line(r) for r in GOOD))
    missing = tmp_path / "missing.jsonl"
    out = tmp_path / "out"
    assert main(["run", str(good), str(missing), "-o", str(out), "--on-error", "skip"]) == 1
    err = capsys.readouterr().err
    assert str(missing) in err
    assert_nothing_published(out)


def test_every_record_skipped_still_writes_a_summary(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"{broken\n")
    out = tmp_path / "out"
    summary = thresher.run([bad], out, thresher.RunConfig(workers=1, read=thresher.ReadOptions(on_error="skip")))
    assert summary.skipped == 1
    assert summary.pages_out == 0
    assert pq.read_table(out / "pages.parquet").num_rows == 0
    assert json.loads((out / "summary.json").read_text())["skipped_records"][0]["record"] == 1
