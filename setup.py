"""Build the compiled kernels (`thresher._native`, Cython); everything else is in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(ext_modules=cythonize(
    [Extension("thresher._native", ["src/thresher/_native.pyx"], extra_compile_args=["-O3"])],
    compiler_directives={"language_level": "3"},
))
