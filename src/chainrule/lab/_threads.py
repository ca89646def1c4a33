"""Run a task with one BLAS thread, so its numbers do not depend on where it runs.

A matrix product split over a different number of threads may sum in a different order and
differ in the last bit; the lab promises that serial, process-pool and cluster runs give
identical measurements, so every task computes with one thread (the runner gets its speed from
running tasks side by side instead). threadpoolctl does the limiting when it is installed;
otherwise the runner's worker processes start with the ``*_NUM_THREADS`` variables set to 1.
"""

from __future__ import annotations

import contextlib

THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@contextlib.contextmanager
def single_threaded():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1):
        yield
