"""Build the compiled parts; everything else is in pyproject.toml.

* `thresher._native`: the byte-level kernels (Cython, `_native.pyx`).
* `thresher.content._select`: the per-page selector `content/select.py` compiled as it is by Cython
  (a quarter less CPU than the interpreter; the rules stay plain Python). The build appends the source's
  hash, so `thresher.content` uses the build only while it matches the `select.py` beside it.
"""

import hashlib
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

SELECT = Path("src/thresher/content/select.py")
COMPILED_SELECT = Path("build/cython/_select.py")


def compiled_select_source() -> str:
    """select.py with its sha256 appended (`content.compiled_selector` checks it), for Cython to compile."""
    text = SELECT.read_bytes()
    COMPILED_SELECT.parent.mkdir(parents=True, exist_ok=True)
    COMPILED_SELECT.write_bytes(text + f'\n_SOURCE_SHA256 = "{hashlib.sha256(text).hexdigest()}"\n'.encode())
    return str(COMPILED_SELECT)


setup(ext_modules=cythonize(
    [Extension("thresher._native", ["src/thresher/_native.pyx"], extra_compile_args=["-O3"]),
     Extension("thresher.content._select", [compiled_select_source()], extra_compile_args=["-O3"])],
    compiler_directives={"language_level": "3"},
))
