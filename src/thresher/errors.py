"""One exception tree for everything thresher reports to a user.

Every error names what went wrong, where (file and record when there is one)
and, where it helps, how to fix it. The CLI turns these into a message and a
non-zero exit code; nothing is published to OUT when one is raised.
"""

from __future__ import annotations


class ThresherError(Exception):
    """Base of all errors thresher raises on purpose."""


class ConfigError(ThresherError, ValueError):
    """An option is invalid; raised before any work starts. Names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"invalid option {field}: {message}")
        self.field = field


class InputError(ThresherError):
    """An input record cannot be read. Names the file and the record (line or row)."""

    def __init__(self, path: str, record: int | None, message: str, skippable: bool = True) -> None:
        where = f"{path}" if record is None else f"{path}, record {record}"
        hint = " (use --on-error skip to skip and count such records)" if skippable else ""
        super().__init__(f"{where}: {message}{hint}")
        self.path = path
        self.record = record
        self.reason = message


class MissingDependencyError(ThresherError, ImportError):
    """An optional dependency (an extra) is not installed; says the line that installs it."""

    def __init__(self, module: str, extra: str, what: str) -> None:
        super().__init__(f"{what} needs the optional package {module!r}: pip install 'thresher[{extra}]'")
        self.module = module
        self.extra = extra


class ResumeError(ThresherError):
    """The work directory was made by a run with other inputs or options."""
