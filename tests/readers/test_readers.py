"""Readers: folders of .txt, JSONL (plain, gzip, zstandard), Parquet; ids, sites, order, duplicates."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from thresher.config import ReadOptions
from thresher.document import Page, Skip
from thresher.errors import InputError
from thresher.readers import iter_pages, reader_for
from thresher.readers._common import host_of
from thresher.readers.jsonl import read_jsonl
from thresher.readers.parquet import read_parquet
from thresher.readers.text import read_text_file

HINT = "--on-error skip"


def read(paths: list[Path | str], **opts) -> list[Page | Skip]:
    return list(iter_pages(paths, ReadOptions(**opts)))


def only_pages(items: list[Page | Skip]) -> list[Page]:
    assert all(isinstance(i, Page) for i in items), [i for i in items if isinstance(i, Skip)]
    return items  # type: ignore[return-value]


def jsonl_bytes(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def write_jsonl(path: Path, records: list[dict]) -> Path:
    data = jsonl_bytes(records)
    name = path.name
    if name.endswith(".gz"):
        data = gzip.compress(data)
    elif name.endswith((".zst", ".zstd")):
        data = zstandard.ZstdCompressor().compress(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_parquet(path: Path, columns: dict[str, list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)
    return path


RECORDS = [
    {"id": "a", "text": "First page.\nIts second line.", "url": "https://www.Example.com/a"},
    {"id": "b", "text": "Second page, café ünïcode ✓", "url": "http://news.example.org:8080/b?x=1"},
    {"id": "c", "text": "Third page without a url."},
]


# ---------------------------------------------------------------- reader_for


@pytest.mark.parametrize(("name", "reader"), [
    ("a.txt", read_text_file), ("A.TXT", read_text_file),
    ("a.jsonl", read_jsonl), ("a.jsonl.gz", read_jsonl), ("a.jsonl.zst", read_jsonl),
    ("a.jsonl.zstd", read_jsonl), ("a.ndjson", read_jsonl), ("a.json.gz", read_jsonl),
    ("a.parquet", read_parquet), ("A.Parquet", read_parquet),
    ("a.csv", None), ("a.json", None), ("a.xml", None), ("txt", None),  # .html: test_html_warc.py
])
def test_reader_for_picks_by_suffix(name: str, reader) -> None:
    assert reader_for(Path(name)) is reader


# ---------------------------------------------------------------- host_of


@pytest.mark.parametrize(("url", "host"), [
    ("https://www.Example.COM/path?q=1", "example.com"),
    ("http://news.example.org:8080/b", "news.example.org"),
    ("  https://www.example.com/  ", "example.com"),
    ("https://www2.example.com/", "www2.example.com"),
    ("https://wwwexample.com/", "wwwexample.com"),
    ("https://user:pw@www.example.net/", "example.net"),
    ("example.com/no-scheme", None),
    ("not a url", None),
    ("http://[::1", None),
    ("", None),
    (None, None),
])
def test_host_of(url: str | None, host: str | None) -> None:
    assert host_of(url) == host


# ---------------------------------------------------------------- .txt folders


def test_txt_folder_ids_are_relative_paths_and_site_is_folder(tmp_path: Path) -> None:
    root = tmp_path / "example.org"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text("page a\n", encoding="utf-8")
    (root / "sub" / "b.txt").write_text("page b\n", encoding="utf-8")
    (root / "sub" / "deeper" / "c.txt").write_text("page c\n", encoding="utf-8")
    (root / "other").mkdir()
    (root / "other" / "d.txt").write_text("page d\n", encoding="utf-8")

    pages = only_pages(read([root]))

    assert [(p.id, p.site) for p in pages] == [
        ("a.txt", "example.org"),
        ("other/d.txt", "other"),
        ("sub/b.txt", "sub"),
        ("sub/deeper/c.txt", "sub"),
    ]
    assert [p.text for p in pages] == ["page a\n", "page d\n", "page b\n", "page c\n"]
    assert all(p.url is None and p.record == 1 for p in pages)
    assert pages[0].source == str(root / "a.txt")


def test_txt_single_file_takes_parent_folder_as_site(tmp_path: Path) -> None:
    f = tmp_path / "blog.example" / "post.txt"
    f.parent.mkdir()
    f.write_text("a post", encoding="utf-8")
    [page] = only_pages(read([f]))
    assert (page.id, page.site, page.text, page.source) == ("post.txt", "blog.example", "a post", str(f))


def test_txt_folder_given_as_dot_uses_real_folder_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "site.example"
    root.mkdir()
    (root / "x.txt").write_text("x", encoding="utf-8")
    monkeypatch.chdir(root)
    [page] = only_pages(read(["."]))
    assert (page.id, page.site) == ("x.txt", "site.example")


def test_txt_text_is_kept_byte_for_byte(tmp_path: Path) -> None:
    text = "Title\r\n\r\n  indented  line\t\nünïcødé — “quotes” 😀\n\n"
    root = tmp_path / "s"
    root.mkdir()
    (root / "p.txt").write_bytes(text.encode("utf-8"))
    [page] = only_pages(read([root]))
    assert page.text == text.removeprefix("\ufeff")  # a leading byte-order mark is not text (decode_text)


def test_txt_folder_ignores_hidden_and_unknown_files(tmp_path: Path) -> None:
    root = tmp_path / "s"
    root.mkdir()
    (root / "page.txt").write_text("kept", encoding="utf-8")
    (root / ".hidden.txt").write_text("hidden", encoding="utf-8")
    (root / "notes.md").write_text("not a page", encoding="utf-8")
    (root / "index.xml").write_text("<xml/>", encoding="utf-8")  # .html is read: see test_html_warc.py
    assert [p.id for p in only_pages(read([root]))] == ["page.txt"]


def test_txt_folder_order_is_sorted_not_creation_order(tmp_path: Path) -> None:
    root = tmp_path / "s"
    root.mkdir()
    names = ["m.txt", "b.txt", "z.txt", "a.txt", "k.txt"]
    for n in names:
        (root / n).write_text(f"page {n}", encoding="utf-8")
    ids = [p.id for p in only_pages(read([root]))]
    assert ids == sorted(names)
    assert [p.id for p in only_pages(read([root]))] == ids


@settings(max_examples=40, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1))
def test_txt_roundtrips_any_utf8_text(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    root = tmp_path_factory.mktemp("rt")
    (root / "p.txt").write_bytes(text.encode("utf-8"))
    [page] = only_pages(read([root]))
    assert page.text == text.removeprefix("\ufeff")  # a leading byte-order mark is not text (decode_text)


# ---------------------------------------------------------------- JSONL


@pytest.mark.parametrize("name", ["crawl.jsonl", "crawl.jsonl.gz", "crawl.jsonl.zst", "crawl.ndjson"])
def test_jsonl_plain_and_compressed(tmp_path: Path, name: str) -> None:
    f = write_jsonl(tmp_path / name, RECORDS)
    pages = only_pages(read([f]))
    assert [p.id for p in pages] == ["a", "b", "c"]
    assert [p.text for p in pages] == [r["text"] for r in RECORDS]
    assert [p.url for p in pages] == ["https://www.Example.com/a", "http://news.example.org:8080/b?x=1", None]
    # site: the url's host without www.; without a url, the file name up to its first dot
    assert [p.site for p in pages] == ["example.com", "news.example.org", "crawl"]
    assert [p.record for p in pages] == [1, 2, 3]
    assert {p.source for p in pages} == {str(f)}


def test_jsonl_record_numbers_are_line_numbers_across_blank_lines(tmp_path: Path) -> None:
    f = tmp_path / "c.jsonl"
    f.write_bytes(b'{"id": "a", "text": "x"}\n\n   \n{"id": "b", "text": "y"}\r\n')
    pages = only_pages(read([f]))
    assert [(p.id, p.record, p.text) for p in pages] == [("a", 1, "x"), ("b", 4, "y")]


def test_jsonl_without_ids_numbers_pages_by_file_and_line(tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "c.jsonl", [{"text": "x"}, {"text": "y", "id": None}, {"text": "z", "id": ""},
                                           {"text": "w", "id": 0}])
    assert [p.id for p in only_pages(read([f]))] == ["c.jsonl:1", "c.jsonl:2", "c.jsonl:3", "0"]


def test_jsonl_zst_reads_across_frames(tmp_path: Path) -> None:
    c = zstandard.ZstdCompressor()
    f = tmp_path / "multi.jsonl.zst"
    f.write_bytes(c.compress(jsonl_bytes(RECORDS[:2])) + c.compress(jsonl_bytes(RECORDS[2:])))
    assert [p.id for p in only_pages(read([f]))] == ["a", "b", "c"]


def test_jsonl_zst_written_as_a_stream(tmp_path: Path) -> None:
    f = tmp_path / "stream.jsonl.zst"
    records = [{"id": f"p{i}", "text": f"page number {i} " * 20} for i in range(300)]
    with f.open("wb") as fh, zstandard.ZstdCompressor().stream_writer(fh) as w:
        for r in records:
            w.write((json.dumps(r) + "\n").encode())
            if int(r["id"][1:]) % 50 == 0:
                w.flush(zstandard.FLUSH_FRAME)  # several frames, as streaming writers leave them
    assert [p.id for p in only_pages(read([f]))] == [r["id"] for r in records]


def test_jsonl_gz_reads_concatenated_members(tmp_path: Path) -> None:
    f = tmp_path / "multi.jsonl.gz"
    f.write_bytes(gzip.compress(jsonl_bytes(RECORDS[:1])) + gzip.compress(jsonl_bytes(RECORDS[1:])))
    assert [p.id for p in only_pages(read([f]))] == ["a", "b", "c"]


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst"])
def test_jsonl_truncated_compressed_file_is_an_error(tmp_path: Path, suffix: str) -> None:
    records = [{"id": f"p{i}", "text": f"page {i} " + "word " * (i * 7)} for i in range(400)]
    whole = write_jsonl(tmp_path / f"whole{suffix}", records).read_bytes()
    f = tmp_path / f"cut{suffix}"
    f.write_bytes(whole[: len(whole) * 3 // 4])

    with pytest.raises(InputError) as e:
        read([f])
    assert e.value.path == str(f)
    assert "truncated" in e.value.reason

    items = read([f], on_error="skip")
    pages = [i for i in items if isinstance(i, Page)]
    skips = [i for i in items if isinstance(i, Skip)]
    assert len(skips) == 1
    assert skips[0].source == str(f)
    assert "truncated" in skips[0].reason
    # what came before the cut was read, in order, and the skip points just after it
    assert [p.id for p in pages] == [r["id"] for r in records[: len(pages)]]
    assert len(pages) < len(records)
    assert skips[0].record == len(pages) + 1


def test_jsonl_lone_surrogate_is_bad_input(tmp_path: Path) -> None:
    # valid JSON, but "\ud83d" alone is no character: the page could never be written as UTF-8
    f = tmp_path / "s.jsonl"
    f.write_text('{"id": "ok", "text": "fine"}\n{"id": "bad", "text": "half an emoji \\ud83d"}\n'
                 '{"id": "\\udc00", "text": "bad id"}\n{"id": "pair", "text": "\\ud83d\\ude00"}\n',
                 encoding="utf-8")
    with pytest.raises(InputError, match=r"record 2: .*surrogate"):
        read([f])
    items = read([f], on_error="skip")
    assert [i.id for i in items if isinstance(i, Page)] == ["ok", "pair"]
    assert [i.text for i in items if isinstance(i, Page)][1] == "😀"
    assert [(i.record, "surrogate" in i.reason) for i in items if isinstance(i, Skip)] == [(2, True), (3, True)]


def test_jsonl_escaped_nul_and_upper_case_surrogate_are_bad_input(tmp_path: Path) -> None:
    """The reader scans a text for NUL and surrogates only when its line has an escape that makes one."""
    f = tmp_path / "e.jsonl"
    f.write_text('{"id": "a", "text": "nul \\u0000 here"}\n{"id": "b", "text": "half \\uD83D"}\n'
                 '{"id": "c", "text": "not an escape: \\\\ud83d"}\n', encoding="utf-8")
    items = read([f], on_error="skip")
    assert [(i.record, i.reason.split(" (")[0]) for i in items if isinstance(i, Skip)] == [
        (1, "binary data"), (2, "not valid Unicode")]
    assert [i.text for i in items if isinstance(i, Page)] == ["not an escape: \\ud83d"]


@settings(max_examples=40, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
       pid=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1))
def test_jsonl_roundtrips_any_text(tmp_path_factory: pytest.TempPathFactory, text: str, pid: str) -> None:
    f = write_jsonl(tmp_path_factory.mktemp("rt") / "r.jsonl", [{"id": pid, "text": text}])
    [page] = only_pages(read([f]))
    assert (page.id, page.text) == (pid, text)


# ---------------------------------------------------------------- Parquet


def test_parquet_rows_are_pages(tmp_path: Path) -> None:
    f = write_parquet(tmp_path / "crawl.parquet", {
        "id": [r["id"] for r in RECORDS], "text": [r["text"] for r in RECORDS],
        "url": [r.get("url") for r in RECORDS], "extra": [1, 2, 3]})
    pages = only_pages(read([f]))
    assert [p.id for p in pages] == ["a", "b", "c"]
    assert [p.text for p in pages] == [r["text"] for r in RECORDS]
    assert [p.site for p in pages] == ["example.com", "news.example.org", "crawl"]
    assert [p.record for p in pages] == [1, 2, 3]


def test_parquet_row_numbers_continue_across_batches(tmp_path: Path) -> None:
    n = 4096 + 10  # the reader reads 4096 rows a batch
    f = tmp_path / "big.parquet"
    pq.write_table(pa.table({"text": [f"t{i}" for i in range(n)]}), f, row_group_size=1000)
    pages = only_pages(read([f]))
    assert len(pages) == n
    assert [p.record for p in pages] == list(range(1, n + 1))
    assert pages[-1].id == f"big.parquet:{n}"
    assert pages[-1].text == f"t{n - 1}"


def test_parquet_non_string_ids_become_strings(tmp_path: Path) -> None:
    f = write_parquet(tmp_path / "p.parquet", {"id": [10, 11], "text": ["x", "y"]})
    assert [p.id for p in only_pages(read([f]))] == ["10", "11"]


def test_parquet_without_text_column_names_the_columns(tmp_path: Path) -> None:
    f = write_parquet(tmp_path / "p.parquet", {"id": ["a"], "body": ["x"]})
    with pytest.raises(InputError) as e:
        read([f])
    msg = str(e.value)
    assert str(f) in msg
    assert "'text'" in msg
    assert "body" in msg
    assert "--text-field" in msg


def test_parquet_null_and_non_string_text_name_the_row(tmp_path: Path) -> None:
    f = write_parquet(tmp_path / "p.parquet", {"id": ["a", "b", "c"], "text": ["ok", None, "ok too"]})
    with pytest.raises(InputError, match=r"record 2: no 'text' field"):
        read([f])
    items = read([f], on_error="skip")
    assert [i.id for i in items if isinstance(i, Page)] == ["a", "c"]
    assert [(i.record, i.source) for i in items if isinstance(i, Skip)] == [(2, str(f))]

    g = write_parquet(tmp_path / "q.parquet", {"text": [1, 2]})
    with pytest.raises(InputError, match=r"record 1: field 'text' is int, not text"):
        read([g])


def test_parquet_empty_table_is_bad_input(tmp_path: Path) -> None:
    f = tmp_path / "e.parquet"
    pq.write_table(pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string())}), f)
    with pytest.raises(InputError, match="empty file"):
        read([f])
    assert [type(i) for i in read([f], on_error="skip")] == [Skip]


# ---------------------------------------------------------------- custom field names


CUSTOM = [
    {"doc_id": "x1", "body": "text one", "link": "https://www.one.example/p", "domain": "One"},
    {"doc_id": "x2", "body": "text two", "link": "https://two.example/p"},
    {"doc_id": "x3", "body": "text three", "id": "ignored", "text": "ignored", "url": "https://ignored.example/"},
]
CUSTOM_OPTS = {"id_field": "doc_id", "text_field": "body", "url_field": "link", "site_field": "domain"}


def _check_custom(pages: list[Page]) -> None:
    assert [p.id for p in pages] == ["x1", "x2", "x3"]
    assert [p.text for p in pages] == ["text one", "text two", "text three"]
    assert [p.url for p in pages] == ["https://www.one.example/p", "https://two.example/p", None]
    # the site field wins over the url; without it the url's host; without both the file name
    assert [p.site for p in pages] == ["One", "two.example", "custom"]


def test_custom_field_names_jsonl(tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "custom.jsonl.gz", CUSTOM)
    _check_custom(only_pages(read([f], **CUSTOM_OPTS)))


def test_custom_field_names_parquet(tmp_path: Path) -> None:
    cols = {k: [r.get(k) for r in CUSTOM] for k in ("doc_id", "body", "link", "domain", "id", "text", "url")}
    f = write_parquet(tmp_path / "custom.parquet", cols)
    _check_custom(only_pages(read([f], **CUSTOM_OPTS)))


def test_default_field_names_ignore_custom_fields(tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "custom.jsonl", CUSTOM)
    with pytest.raises(InputError, match=r"record 1: no 'text' field \(set --text-field\)"):
        read([f])


def test_site_field_missing_falls_back_to_url_host(tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "s.jsonl", [{"text": "t", "url": "https://www.host.example/", "site": ""}])
    [page] = only_pages(read([f], site_field="site"))
    assert page.site == "host.example"


# ---------------------------------------------------------------- several inputs: order, duplicates


def _mixed_inputs(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "folder"
    folder.mkdir()
    for n in ("b.txt", "a.txt"):
        (folder / n).write_text(n, encoding="utf-8")
    (folder / "inner.jsonl").write_bytes(jsonl_bytes([{"id": "in1", "text": "x"}]))
    j = write_jsonl(tmp_path / "one.jsonl.zst", [{"id": "j2", "text": "x"}, {"id": "j1", "text": "y"}])
    p = write_parquet(tmp_path / "two.parquet", {"id": ["q2", "q1"], "text": ["x", "y"]})
    return [p, folder, j]


def test_order_follows_inputs_then_sorted_files_then_records(tmp_path: Path) -> None:
    inputs = _mixed_inputs(tmp_path)
    ids = [p.id for p in only_pages(read(inputs))]
    assert ids == ["q2", "q1", "a.txt", "b.txt", "in1", "j2", "j1"]
    assert [p.id for p in only_pages(read(inputs))] == ids
    assert [p.id for p in only_pages(read([str(i) for i in inputs]))] == ids


def test_duplicate_id_across_inputs_is_an_error(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [{"id": "x", "text": "one"}, {"id": "y", "text": "two"}])
    b = write_parquet(tmp_path / "b.parquet", {"id": ["z", "x"], "text": ["three", "four"]})
    with pytest.raises(InputError) as e:
        read([a, b])
    assert (e.value.path, e.value.record) == (str(b), 2)
    assert "duplicate id 'x'" in str(e.value)
    assert str(a) in str(e.value)  # names where it was first seen
    assert HINT in str(e.value)


def test_duplicate_id_across_inputs_skipped(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [{"id": "x", "text": "one"}, {"id": "y", "text": "two"}])
    b = write_parquet(tmp_path / "b.parquet", {"id": ["z", "x"], "text": ["three", "four"]})
    items = read([a, b], on_error="skip")
    pages = [i for i in items if isinstance(i, Page)]
    skips = [i for i in items if isinstance(i, Skip)]
    assert [(p.id, p.text) for p in pages] == [("x", "one"), ("y", "two"), ("z", "three")]
    assert [(s.source, s.record) for s in skips] == [(str(b), 2)]
    assert "duplicate id 'x'" in skips[0].reason


def test_duplicate_id_within_one_file(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [{"id": "x", "text": "one"}, {"id": "x", "text": "two"}])
    with pytest.raises(InputError, match=r"record 2: duplicate id 'x'"):
        read([a])


def test_same_relative_path_in_two_txt_folders_is_a_duplicate(tmp_path: Path) -> None:
    for site in ("one", "two"):
        (tmp_path / site).mkdir()
        (tmp_path / site / "index.txt").write_text(site, encoding="utf-8")
    with pytest.raises(InputError, match=r"duplicate id 'index\.txt'"):
        read([tmp_path / "one", tmp_path / "two"])


def test_same_input_twice_is_a_duplicate(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", RECORDS)
    with pytest.raises(InputError, match="duplicate id 'a'"):
        read([a, a])


# ---------------------------------------------------------------- inputs that are not there


def test_missing_input_is_an_error_even_when_skipping(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    for policy in ("fail", "skip"):
        with pytest.raises(InputError) as e:
            read([missing], on_error=policy)
        assert str(missing) in str(e.value)
        assert "no such file or folder" in str(e.value)
        assert HINT not in str(e.value)  # skipping would not help: no hint to skip


def test_folder_without_pages_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "html"
    folder.mkdir()
    (folder / "index.xml").write_text("<xml/>", encoding="utf-8")  # .html is read now: test_html_warc.py
    for policy in ("fail", "skip"):
        with pytest.raises(InputError) as e:
            read([folder], on_error=policy)
        assert str(folder) in str(e.value)
        assert ".txt" in str(e.value)
        assert HINT not in str(e.value)


def test_unknown_format_given_by_name_is_an_error_even_when_skipping(tmp_path: Path) -> None:
    f = tmp_path / "pages.csv"
    f.write_text("id,text\na,b\n", encoding="utf-8")
    for policy in ("fail", "skip"):
        with pytest.raises(InputError, match="unknown input format") as e:
            read([f], on_error=policy)
        assert HINT not in str(e.value)


# ---------------------------------------------------------------- size limit


def test_max_page_bytes_applies_to_every_format(tmp_path: Path) -> None:
    limit = 100
    t = tmp_path / "t"
    t.mkdir()
    (t / "ok.txt").write_bytes(b"x" * limit)
    (t / "big.txt").write_bytes(b"x" * (limit + 1))
    j = write_jsonl(tmp_path / "j.jsonl", [{"id": "j_ok", "text": "y" * limit}, {"id": "j_big", "text": "y" * 101}])
    p = write_parquet(tmp_path / "p.parquet", {"id": ["p_ok", "p_big"], "text": ["z" * limit, "z" * 101]})
    items = read([t, j, p], on_error="skip", max_page_bytes=limit)
    assert [i.id for i in items if isinstance(i, Page)] == ["ok.txt", "j_ok", "p_ok"]
    skips = [i for i in items if isinstance(i, Skip)]
    assert [(s.source, s.record) for s in skips] == [(str(t / "big.txt"), None), (str(j), 2), (str(p), 2)]
    assert all("max-page-bytes" in s.reason for s in skips)
    with pytest.raises(InputError, match="exceeds --max-page-bytes"):
        read([t], max_page_bytes=limit)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\A\s?(https?|ftp)://(\w+(:\w*)?@)?(www\.)?[A-Za-z0-9.-]{0,12}(:\d{1,5})?([/?#][^\s]{0,10})?\s?\Z"))
def test_host_of_agrees_with_urlsplit(url: str) -> None:
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        host = None
    expected = (host[4:] if host.startswith("www.") else host) if host else None
    assert host_of(url) == expected


def test_jsonl_lines_orjson_refuses_or_reads_otherwise_read_as_json_reads_them(tmp_path: Path) -> None:
    """Most lines are parsed by orjson; the ones it refuses (NaN, overflowing numbers) or reads
    differently (integers past 64 bits, as floats) go to `json`, so the pages are what `json` makes."""
    f = tmp_path / "odd.jsonl"
    lines = ['\ufeff{"id": 1, "text": "bom first"}',
             '{"id": 123456789012345678901234567890, "text": "a huge numeric id"}',
             '{"id": "n", "text": "NaN elsewhere", "score": NaN}',
             '{"id": "o", "text": "overflow elsewhere", "w": 1e400}',
             '{"id": "d", "text": "first", "text": "duplicate keys: the last"}',
             '{"id": 2.5, "url": "https://x.com/a", "text": "a float id"}']
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pages = [p for p in read([f]) if isinstance(p, Page)]
    want = [json.loads(line.removeprefix("\ufeff")) for line in lines]
    assert [p.id for p in pages] == [str(w["id"]) for w in want]
    assert [p.text for p in pages] == [w["text"] for w in want]
    assert pages[1].id == "123456789012345678901234567890"
