"""`OUT/report.html`: a self-contained HTML report of a run (`thresher report OUT`)."""

from .html import ReportError, settings_of, write_report

__all__ = ["ReportError", "settings_of", "write_report"]
