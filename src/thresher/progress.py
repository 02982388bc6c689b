"""A progress bar on stderr while a run works (only when stderr is a terminal)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


class Progress:
    """Stage-by-stage progress; silent unless enabled."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar = None
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=Console(stderr=True), transient=False)

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    @contextmanager
    def stage(self, name: str, total: int | None) -> Iterator:
        """Yield an `advance(n)` callable for one stage."""
        if self._bar is None:
            yield lambda n=1: None
            return
        task = self._bar.add_task(name, total=total)
        try:
            yield lambda n=1: self._bar.advance(task, n)
        finally:
            self._bar.update(task, completed=total if total is not None else None)
