import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # makes tests/optest.py importable from every test folder

import pytest  # noqa: E402

import chainrule  # noqa: E402

try:
    # The suite runs as two xdist workers on two cores; letting each worker's BLAS spawn threads
    # oversubscribes the cores and makes small matmuls several times slower. (With one BLAS
    # thread, recurrent layers also keep all their rows in this process: tests/ops/
    # test_row_workers.py turns the helper process on where it checks it.)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
except ImportError:  # pragma: no cover
    threadpool_limits = None


# CI runs every hypothesis test on the same derandomized examples, so a submission's verdict never
# depends on which random inputs a run happened to draw; local runs keep exploring new ones.
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_runtest_setup(item):
    chainrule.manual_seed(0)


@pytest.fixture
def one_blas_thread():
    """Small matmuls run several times faster on one BLAS thread than on two that compete with
    other processes for a 2-core machine. Used by the tests that train for real."""
    with threadpool_limits(1, user_api="blas") if threadpool_limits else contextlib.nullcontext():
        yield


@pytest.fixture
def float64_default():
    """Python floats become float64 in chainrule and in torch for one test, restored afterwards
    (the default dtype is process-wide, so a failing test must not leak it into the next)."""
    import torch

    previous, previous_torch = chainrule.get_default_dtype(), torch.get_default_dtype()
    chainrule.set_default_dtype(chainrule.float64)
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        chainrule.set_default_dtype(previous)
        torch.set_default_dtype(previous_torch)
