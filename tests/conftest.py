import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # makes tests/optest.py importable from every test folder

import chainrule  # noqa: E402

try:
    # The suite runs as two xdist workers on two cores; letting each worker's BLAS spawn threads
    # oversubscribes the cores and makes small matmuls several times slower.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
except ImportError:  # pragma: no cover
    pass


def pytest_runtest_setup(item):
    chainrule.manual_seed(0)
