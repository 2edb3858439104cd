"""Build configuration beyond pyproject.toml: the parser's optional C module.

The module speeds up the parser's per-message column work. It is optional: when
no C compiler is available the install still succeeds, and the parser does the
same work in Python.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "tafiti.parsing._columns",
            sources=["tafiti/parsing/_columns.c"],
            optional=True,
        )
    ]
)
