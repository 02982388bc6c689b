"""Parquet pages: one row a page, read in record batches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..config import ReadOptions
from ..document import Page, Skip
from ..errors import InputError
from ._common import skip_or_raise
from .jsonl import record_to_page


def read_parquet(path: Path, root: Path, options: ReadOptions) -> Iterator[Page | Skip]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = str(path)
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as e:
        yield skip_or_raise(InputError(source, None, f"not a readable Parquet file: {e}"), options)
        return
    names = set(pf.schema_arrow.names)
    if options.text_field not in names:
        yield skip_or_raise(InputError(source, None, f"no {options.text_field!r} column "
                                                     f"(columns: {sorted(names)}; set --text-field)"), options)
        return
    cols = [c for c in (options.id_field, options.text_field, options.url_field, options.site_field)
            if c and c in names]
    if pf.metadata.num_rows == 0:
        yield skip_or_raise(InputError(source, None, "empty file"), options)
        return
    fallback = path.name.split(".")[0]
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=4096, columns=cols):
            for rec in batch.to_pylist():
                row += 1
                try:
                    yield record_to_page(rec, source, row, fallback, options)
                except InputError as e:
                    yield skip_or_raise(e, options)
    except (pa.ArrowException, OSError) as e:
        yield skip_or_raise(InputError(source, row + 1, f"corrupt Parquet data: {e}"), options)
