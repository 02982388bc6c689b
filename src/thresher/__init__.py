"""thresher: crawled web text in, clean deduplicated documents out.

For every page it keeps the page's own content (dropping site chrome and the
teasers of other articles) and, across the corpus, clusters pages that carry
the same article and keeps one of each.

    import thresher
    summary = thresher.run(["pages/"], "out/")
"""

__version__ = "0.2.0"

from .config import DedupOptions, ReadOptions, RunConfig
from .document import Page, Skip
from .errors import ConfigError, InputError, ResumeError, ThresherError
from .pipeline import Summary, run

__all__ = [
    "ConfigError",
    "DedupOptions",
    "InputError",
    "Page",
    "ReadOptions",
    "ResumeError",
    "RunConfig",
    "Skip",
    "Summary",
    "ThresherError",
    "__version__",
    "run",
]
