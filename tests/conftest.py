import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # makes tests/optest.py importable from every test folder

import pytest  # noqa: E402

import chainrule  # noqa: E402

try:
    # The suite runs as two xdist workers on two cores; letting each worker's BLAS spawn threads
    # oversubscribes the cores and makes small matmuls several times slower.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
except ImportError:  # pragma: no cover
    threadpool_limits = None


def pytest_runtest_setup(item):
    chainrule.manual_seed(0)


@pytest.fixture
def one_blas_thread():
    """Small matmuls run several times faster on one BLAS thread than on two that compete with
    other processes for a 2-core machine. Used by the tests that train for real."""
    with threadpool_limits(1, user_api="blas") if threadpool_limits else contextlib.nullcontext():
        yield

