"""Build configuration beyond pyproject.toml: two optional C modules.

``tafiti.parsing._columns`` speeds up the parser's per-message column work, and
``tafiti.store._identities`` the hashing of every record at import. Both are
optional: when no C compiler is available the install still succeeds, and the
same work runs in Python.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "tafiti.parsing._columns",
            sources=["tafiti/parsing/_columns.c"],
            optional=True,
        ),
        Extension(
            "tafiti.store._identities",
            sources=["tafiti/store/_identities.c"],
            optional=True,
        ),
    ]
)
