"""Split a loop over independent batch rows between this process and one helper process.

Why a process and not a thread: a recurrent layer's time loop is about ten NumPy calls per step
on arrays of a few thousand elements (batch x hidden). NumPy runs each call on one core. The rows
of the batch never meet inside the loop (row b of h_t depends only on row b of h_{t-1} and x_t),
so two cores could each run half of the rows, but two Python threads cannot: every NumPy call
starts and ends holding the GIL, and at a few microseconds per call the threads spend their time
handing it back and forth. Measured on this project's 2-core machine for the LSTM benchmark's
forward loop (T 50, batch 64, hidden 128): one thread 7.3 ms, two threads 8.1 ms, this process
plus a helper process 4.5 ms (bit-identical results).

How:

* The helper is started on first use with ``python -c`` (so it inherits no threads and no locks
  of this process), its BLAS limited to one thread, and it serves commands read from its stdin.
* A call's arrays live in a :class:`SharedArrays` block: a file in ``/dev/shm`` that both
  processes map, so nothing is copied or pickled but a few offsets. Blocks are pooled by size
  and reused, because fresh shared pages cost a page fault each (a few ms for an LSTM's buffers).
* :func:`run` sends the helper the function's name, the arrays' places in the block and the rows
  ``[B/2, B)``; this process runs rows ``[0, B/2)`` meanwhile, with its own BLAS held to one
  thread (two BLAS threads here and one there would be three busy threads on two cores), then
  waits for the helper's reply.
* The function is a module-level function ``f(arrays, rows, **params)``, registered with
  :func:`row_function`, that touches only rows ``rows`` of every batch-indexed array. Each row's
  arithmetic is the same whichever process runs it, so results equal the serial loop's.

When: on Linux with ``/dev/shm``, when the BLAS thread count can be set (OpenBLAS, as NumPy's
wheels ship) and is currently 2 or more (so ``OMP_NUM_THREADS=1`` or a ``threadpoolctl`` limit
turns the split off too), and for a loop big enough to repay the ~0.1 ms the hand-over costs
(:func:`worth_splitting`).
``CHAINRULE_ROW_WORKERS=0`` turns it off. If the helper fails to start or dies, the rows run here
(one :class:`RuntimeWarning`) and the split stays off for the rest of the process.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib
import math
import mmap
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import traceback
import warnings
import weakref

import numpy as np

__all__ = [
    "SharedArrays",
    "blas_threads",
    "enabled",
    "force",
    "row_function",
    "run",
    "shared_arrays",
    "worth_splitting",
]

_ALIGN = 64  # bytes: every array of a block starts on a cache line
_GRANULE = 1 << 20  # block sizes are rounded up to whole MiB, so similar calls share pooled blocks
_POOL_LIMIT = 1 << 29  # bytes of idle blocks kept for reuse; beyond this the oldest are dropped
_SHM_DIR = "/dev/shm"
_FUNCTIONS: dict[str, object] = {}


def row_function(function):
    """Register ``function(arrays, rows, **params)`` so the helper can call it by name."""
    _FUNCTIONS[f"{function.__module__}:{function.__qualname__}"] = function
    function.row_function_name = f"{function.__module__}:{function.__qualname__}"
    return function


# ---------------------------------------------------------------- BLAS threads


class _BlasThreads:
    """Get and set the thread count of every OpenBLAS this process has loaded (NumPy's and
    SciPy's wheels each bundle one), through the symbols OpenBLAS exports for this.

    Lowering the count does not stop a worker that is already awake: after a multi-threaded GEMM,
    OpenBLAS's idle worker threads keep spinning for about 0.1 s and would take half of the core the
    helper runs on (measured: both halves of a split loop as slow as the whole serial loop). So a
    split op runs all of its GEMMs inside the split, at one thread, and never wakes them. (Stopping
    them with ``blas_thread_shutdown_`` instead was measured slower: they restart on every GEMM.)"""

    _NAMES = (
        ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
        ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
        ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
        ("openblas_set_num_threads", "openblas_get_num_threads"),
    )

    def __init__(self):
        self.libraries = []  # (set, get) function pairs
        try:
            with open("/proc/self/maps", encoding="utf-8") as maps:
                paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
        except OSError:
            paths = set()
        for path in sorted(paths):
            try:
                library = ctypes.CDLL(path)
            except OSError:
                continue
            for set_name, get_name in self._NAMES:
                setter, getter = getattr(library, set_name, None), getattr(library, get_name, None)
                if setter is not None and getter is not None:
                    setter.argtypes, getter.restype = [ctypes.c_int], ctypes.c_int
                    self.libraries.append((setter, getter))
                    break

    @contextlib.contextmanager
    def limited_to_one(self):
        previous = [getter() for _, getter in self.libraries]
        for setter, _ in self.libraries:
            setter(1)
        try:
            yield
        finally:
            for (setter, _), count in zip(self.libraries, previous):
                setter(count)


# ---------------------------------------------------------------- shared blocks


class _Block:
    """One file in /dev/shm mapped here; the helper maps it on first use, then it is unlinked
    (until then it is listed in _LINKED, for the exit handler)."""

    _ids = iter(range(1, 1 << 62))

    def __init__(self, nbytes: int):
        self.id = next(self._ids)
        self.nbytes = nbytes
        fd, self.path = tempfile.mkstemp(prefix="chainrule-rows-", dir=_SHM_DIR)
        try:
            os.ftruncate(fd, nbytes)
            self.map = mmap.mmap(fd, nbytes)
        finally:
            os.close(fd)
        self.linked = True
        _LINKED.add(self)

    def unlink(self):
        if self.linked:
            self.linked = False
            _LINKED.discard(self)
            with contextlib.suppress(OSError):
                os.unlink(self.path)

    def close(self):
        self.unlink()
        with contextlib.suppress(BufferError):  # an array still uses it: the mapping lives on with it
            self.map.close()


_LINKED: weakref.WeakSet = weakref.WeakSet()


class SharedArrays:
    """NumPy arrays carved one after another out of a pooled shared block.

    ``empty``/``zeros`` hand out arrays; :func:`run` finds where each array it is given lies in
    the block. The block returns to the pool when this object is released (:meth:`release`) or
    garbage collected, so an op must keep it exactly as long as it keeps its arrays (hold both
    on ctx) and must never hand one of them to its caller (return copies)."""

    def __init__(self, block: _Block, pool: _Pool):
        self.block, self.used = block, 0
        self.base = np.frombuffer(block.map, dtype=np.uint8)
        self._finalizer = weakref.finalize(self, pool.give_back, block)

    def empty(self, shape, dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
        nbytes = math.prod(shape) * dtype.itemsize
        start = -(-self.used // _ALIGN) * _ALIGN
        if start + nbytes > self.block.nbytes:
            raise MemoryError(
                f"SharedArrays: {nbytes} more bytes do not fit the block ({self.used} of {self.block.nbytes} used)"
            )
        self.used = start + nbytes
        return np.ndarray(shape, dtype, buffer=self.block.map, offset=start)

    def zeros(self, shape, dtype) -> np.ndarray:
        array = self.empty(shape, dtype)
        array.fill(0)
        return array

    def place(self, array: np.ndarray):
        """(offset, shape, dtype, strides) of a view of this block, for the helper to rebuild;
        None if the array does not lie in this block."""
        owner = array
        while isinstance(owner, np.ndarray):
            owner = owner.base
        if owner is not self.block.map:
            return None
        offset = array.__array_interface__["data"][0] - self.base.__array_interface__["data"][0]
        return offset, array.shape, array.dtype.str, array.strides

    def release(self) -> None:
        self._finalizer()


def nbytes_for(*arrays) -> int:
    """Bytes a SharedArrays needs for arrays of these (shape, dtype) pairs, alignment included."""
    total = 0
    for shape, dtype in arrays:
        total += -(-math.prod(shape) * np.dtype(dtype).itemsize // _ALIGN) * _ALIGN
    return total


class _Pool:
    def __init__(self):
        self.free: list[_Block] = []
        self.lock = threading.Lock()
        self.dropped: list[int] = []  # ids of blocks the helper should unmap

    def take(self, nbytes: int) -> _Block:
        """The smallest idle block that fits (and wastes at most half of itself), else a new one."""
        nbytes = -(-nbytes // _GRANULE) * _GRANULE
        with self.lock:
            fits = [i for i, block in enumerate(self.free) if nbytes <= block.nbytes <= 2 * nbytes]
            if fits:
                return self.free.pop(min(fits, key=lambda i: self.free[i].nbytes))
        return _Block(nbytes)

    def give_back(self, block: _Block) -> None:
        with self.lock:
            self.free.append(block)
            while sum(b.nbytes for b in self.free) > _POOL_LIMIT:
                old = self.free.pop(0)
                old.close()
                self.dropped.append(old.id)


# ---------------------------------------------------------------- the helper


class _Helper:
    """The helper process and the pipe protocol: pickled (id, message) requests on its stdin,
    pickled (id, reply) answers on its stdout."""

    def __init__(self):
        package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        env["CHAINRULE_ROW_WORKERS"] = "0"  # the helper never starts a helper of its own
        code = f"import sys; sys.path.insert(0, {package_parent!r}); from chainrule.ops.row_workers import _serve; _serve()"
        self.process = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True
        )
        self.sequence = 0
        self.outstanding: int | None = None  # a request whose answer was never read (an interrupt)

    def send(self, message) -> int:
        self.sequence += 1
        pickle.dump((self.sequence, message), self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.process.stdin.flush()
        return self.sequence

    def receive(self, sequence: int):
        while True:  # skip answers to requests abandoned by an interrupt
            got, reply = pickle.load(self.process.stdout)
            if got == sequence:
                self.outstanding = None
                return reply

    def settle(self) -> None:
        """Wait for the answer to a request abandoned by an exception or interrupt here (say,
        Ctrl-C while this process ran its rows): until it comes, the helper may still be writing
        into a block that is about to be handed out again."""
        if self.outstanding is not None:
            self.receive(self.outstanding)

    def close(self):
        with contextlib.suppress(Exception):
            self.process.stdin.close()
        with contextlib.suppress(Exception):
            self.process.wait(timeout=5)


def _serve() -> None:
    """The helper's loop: map blocks, rebuild arrays, run registered functions on their rows."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but answers may reach the pipe
    maps: dict[int, mmap.mmap] = {}
    while True:
        try:
            sequence, message = pickle.load(stdin)
        except EOFError:
            return
        try:
            for block_id in message.get("drop", ()):
                block = maps.pop(block_id, None)
                if block is not None:
                    block.close()
            for block_id, path, nbytes in message["blocks"]:
                if block_id not in maps:
                    with open(path, "r+b") as handle:
                        maps[block_id] = mmap.mmap(handle.fileno(), nbytes)
            arrays = {
                name: np.ndarray(shape, np.dtype(dtype), buffer=maps[block_id], offset=offset, strides=strides)
                for name, (block_id, offset, shape, dtype, strides) in message["arrays"].items()
            }
            module, name = message["function"].split(":")
            function = _FUNCTIONS.get(message["function"]) or getattr(importlib.import_module(module), name)
            function(arrays, slice(*message["rows"]), **message["params"])
            reply = ("ok", None)
        except Exception:  # reported to the caller, which raises it there
            reply = ("error", traceback.format_exc())
        pickle.dump((sequence, reply), stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


# ---------------------------------------------------------------- public entry points


class _State:
    def __init__(self):
        self.lock = threading.Lock()
        self.helper: _Helper | None = None
        self.pool = _Pool()
        self.blas: _BlasThreads | None = None
        self.platform_ok: bool | None = None  # Linux, /dev/shm and a settable OpenBLAS
        self.broken = False
        self.forced: bool | None = None
        self.pid = os.getpid()


_STATE = _State()


def _supported() -> bool:
    """Whether this platform can split at all: Linux, /dev/shm, an OpenBLAS whose threads we can
    set (checked once per process), and no helper that has failed before."""
    state = _STATE
    if state.pid != os.getpid():  # a forked child: start afresh, without the parent's helper
        state.__init__()
    if state.platform_ok is None:
        state.platform_ok = sys.platform.startswith("linux") and os.access(_SHM_DIR, os.W_OK)
        state.blas = _BlasThreads() if state.platform_ok else None
        state.platform_ok = bool(state.platform_ok and state.blas.libraries)
    return state.platform_ok and not state.broken


def blas_threads() -> _BlasThreads | None:
    """This process's OpenBLAS thread control (``limited_to_one()``), or None where it cannot be
    set; for other code that runs BLAS beside a helper process (``nn.DataParallel``)."""
    _supported()
    return _STATE.blas if _STATE.platform_ok else None


def enabled() -> bool:
    """Whether row loops may be split with a helper process here and now: supported, BLAS allowed
    more than one thread right now (so ``OMP_NUM_THREADS=1`` or a ``threadpoolctl`` limit of 1,
    which the lab uses to make its numbers independent of where they run, also keep the loop in
    one process), and not turned off by ``CHAINRULE_ROW_WORKERS=0`` (or :func:`force`)."""
    if _STATE.forced is not None:
        return _STATE.forced and _supported()
    if os.environ.get("CHAINRULE_ROW_WORKERS", "1") == "0" or not _supported():
        return False
    return min(getter() for _, getter in _STATE.blas.libraries) >= 2


@contextlib.contextmanager
def force(value: bool):
    """Within the block, split every eligible loop whatever its size (True), or none (False),
    whatever the environment says; for tests that compare the two paths."""
    previous, _STATE.forced = _STATE.forced, bool(value)
    try:
        yield
    finally:
        _STATE.forced = previous


def worth_splitting(batch: int, work: float) -> bool:
    """True when a loop over ``batch`` rows doing about ``work`` multiply-adds should be split:
    at least 8 rows each and ~16 M multiply-adds (a few ms serial) to repay the hand-over."""
    if _STATE.forced is not None:
        return batch >= 2 and enabled()
    return batch >= 16 and work >= 1 << 24 and enabled()


def shared_arrays(nbytes: int) -> SharedArrays:
    """A block of at least ``nbytes`` for one call's arrays (see :class:`SharedArrays`)."""
    _settle(_STATE)
    return SharedArrays(_STATE.pool.take(nbytes), _STATE.pool)


def _settle(state: _State) -> None:
    helper = state.helper
    if helper is not None and helper.outstanding is not None:
        with state.lock:
            try:
                helper.settle()
            except (OSError, EOFError, pickle.UnpicklingError) as error:
                _give_up(state, f"the helper process died ({error!r})")


def _start_helper(state: _State) -> _Helper | None:
    try:
        helper = _Helper()
    except OSError as error:
        _give_up(state, f"could not start the helper process ({error})")
        return None
    atexit.register(helper.close)
    return helper


def _give_up(state: _State, why: str) -> None:
    state.broken = True
    if state.helper is not None:
        state.helper.close()
        state.helper = None
    warnings.warn(f"chainrule: running recurrent loops in this process only: {why}", RuntimeWarning, stacklevel=3)


def _places(arrays: dict, shared: list[SharedArrays]) -> dict:
    places = {}
    for name, array in arrays.items():
        for owner in shared:
            place = owner.place(array)
            if place is not None:
                places[name] = (owner.block.id,) + place
                break
        else:
            raise ValueError(f"row_workers.run: array {name!r} is not in the shared blocks given")
    return places


def run(function, arrays: dict, batch: int, shared, **params) -> None:
    """``function(arrays, rows, **params)`` over rows [0, batch): all here when ``shared`` is None
    (or the helper is busy or gone), else rows [batch // 2, batch) in the helper meanwhile.
    ``shared``: the SharedArrays (one, or a list) that every array of ``arrays`` lies in."""
    state = _STATE
    if shared is None or not state.lock.acquire(blocking=False):
        function(arrays, slice(0, batch), **params)
        return
    try:
        if state.helper is None and not state.broken:
            state.helper = _start_helper(state)
        helper = state.helper
        if helper is None:
            function(arrays, slice(0, batch), **params)
            return
        shared = [shared] if isinstance(shared, SharedArrays) else list(shared)
        half = batch // 2
        message = {
            "function": function.row_function_name,
            "blocks": [(owner.block.id, owner.block.path, owner.block.nbytes) for owner in shared],
            "arrays": _places(arrays, shared),
            "rows": (half, batch),
            "params": params,
            "drop": state.pool.dropped,
        }
        try:
            helper.settle()
            sequence = helper.outstanding = helper.send(message)
        except (OSError, ValueError, EOFError, pickle.UnpicklingError) as error:
            _give_up(state, f"the helper process is gone ({error})")
            function(arrays, slice(0, batch), **params)
            return
        state.pool.dropped = []
        with state.blas.limited_to_one():
            function(arrays, slice(0, half), **params)
        try:
            status, detail = helper.receive(sequence)
        except (OSError, EOFError, pickle.UnpicklingError) as error:
            _give_up(state, f"the helper process died ({error!r})")
            function(arrays, slice(half, batch), **params)
            return
        for owner in shared:  # both sides have it mapped now; the memory lives until both unmap
            owner.block.unlink()
        if status != "ok":
            raise RuntimeError(f"{function.__name__}: the helper process failed on rows {half}..{batch}:\n{detail}")
    finally:
        state.lock.release()


@atexit.register
def _remove_linked_blocks() -> None:
    for block in list(_LINKED):
        block.unlink()
