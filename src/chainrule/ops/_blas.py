"""The BLAS library's thread count, for ops that run two streams of GEMMs side by side.

NumPy's BLAS (OpenBLAS in the wheels) splits every GEMM over its own threads. An op whose work is
a chain of small GEMMs (the recurrent step of an LSTM) gains little from that split, but it can
run its independent big GEMMs (the weight gradients) on a second Python thread at the same time
if each GEMM then runs on one BLAS thread: NumPy releases the GIL inside matmul, so the two
streams use the two cores. OpenBLAS has no per-call thread count, only the process-wide
``openblas_set_num_threads``, so :func:`single_threaded` sets it to 1 for the duration and puts
the old value back. It finds the function in the OpenBLAS the process has loaded (as
threadpoolctl does); with another BLAS (MKL, Accelerate) it reports False and the op runs its
GEMMs one after another as usual.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading

__all__ = ["single_threaded"]

# (get, set) of the loaded OpenBLAS, False when there is none, None until looked up
_FUNCTIONS = None
_LOCK = threading.Lock()
_STATE = {"users": 0, "saved": None}
_SYMBOLS = (
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),  # NumPy >= 2 wheels
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
)


def _loaded_openblas():
    """Paths of the OpenBLAS libraries mapped into this process (Linux: /proc/self/maps)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        return []
    return sorted(paths)


def _functions():
    global _FUNCTIONS
    if _FUNCTIONS is None:
        import numpy  # noqa: F401  (NumPy's BLAS must be loaded before it can be found)

        _FUNCTIONS = False
        for path in _loaded_openblas():
            try:
                library = ctypes.CDLL(path)
            except OSError:
                continue
            for get_name, set_name in _SYMBOLS:
                get, set_ = getattr(library, get_name, None), getattr(library, set_name, None)
                if get is not None and set_ is not None:
                    get.restype, set_.argtypes = ctypes.c_int, [ctypes.c_int]
                    _FUNCTIONS = (get, set_)
                    return _FUNCTIONS
    return _FUNCTIONS


@contextlib.contextmanager
def single_threaded():
    """Run the block with the BLAS on one thread; yields whether that could be done.

    Nested and concurrent uses share one setting: the first entry saves the thread count and
    sets 1, the last exit restores it.
    """
    functions = _functions()
    if not functions:
        yield False
        return
    get, set_ = functions
    with _LOCK:
        if _STATE["users"] == 0:
            _STATE["saved"] = get()
            set_(1)
        _STATE["users"] += 1
    try:
        yield True
    finally:
        with _LOCK:
            _STATE["users"] -= 1
            if _STATE["users"] == 0:
                set_(_STATE["saved"])
