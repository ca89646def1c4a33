"""``temporary_environ``: set environment variables for the duration of a block.

For code that starts processes which must inherit a setting (worker processes held to one BLAS
thread) without changing it for the rest of this process.
"""

from __future__ import annotations

import contextlib
import os


@contextlib.contextmanager
def temporary_environ(values: dict):
    """Within the block, ``os.environ`` has ``values``; afterwards each variable is back as it was
    (removed if it was unset)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
