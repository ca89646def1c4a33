"""Run experiments as independent (experiment, seed) tasks: serially, on local processes, or on Dask.

Every task seeds chainrule's generator from its own seed and computes with one BLAS thread, and
the trials of an experiment are merged in seed order, so the three ways of running give
identical measurements in ``results.json`` (timings aside, which live in their own fields).

``results.json`` is rewritten atomically (a temporary file, then ``os.replace``) after every
experiment, so an interrupted run loses at most the experiment in flight and ``resume=True``
starts from there. An experiment that raises is recorded with its traceback; the rest go on.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

from .._environ import temporary_environ
from ..serialization import write_atomically
from . import registry
from ._threads import THREAD_ENV
from .result import Result, Trial

__all__ = ["LabError", "RESULTS_NAME", "load_results", "machine_info", "run_lab", "versions"]

RESULTS_NAME = "results.json"
FORMAT = "chainrule-lab/1"


class LabError(Exception):
    """A problem with the user's request (ids, output folder, scheduler, results file) that the
    CLI prints as one clear message, with nothing already written lost."""


def _task(experiment_id, budget, seed):
    """Run one trial and never raise: the caller gets the Trial or the traceback as text."""
    try:
        return {"ok": True, "trial": registry.run_trial(experiment_id, budget, seed)}
    except Exception:
        return {"ok": False, "traceback": traceback.format_exc()}


def versions() -> dict:
    import numpy

    from .. import __version__

    found = {"chainrule": __version__, "python": platform.python_version(), "numpy": numpy.__version__}
    for name in ("scipy", "matplotlib", "distributed", "sklearn"):
        try:
            found[name] = __import__(name).__version__
        except Exception:
            found[name] = None
    return found


def machine_info() -> dict:
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "hostname": platform.node(),
    }


def load_results(path) -> dict:
    """Read a results.json, raising :class:`LabError` (and leaving the file alone) if it is unreadable."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("experiments"), dict):
            raise ValueError(f"not a {FORMAT} results file")
        for data in doc["experiments"].values():
            Result.from_dict(data)
    except (OSError, ValueError, TypeError) as exc:
        raise LabError(
            f"{path} is corrupted or not a chainrule lab results file ({exc}); it was left untouched. "
            "Move it away (or repair it) to start again, or pass a different --out."
        ) from None
    return doc


def _write_atomic(path: Path, doc: dict) -> None:
    text = json.dumps(doc, indent=1, sort_keys=False, allow_nan=True)
    write_atomically(text.encode("utf-8"), str(path))


def _prepare_out(out) -> Path:
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".chainrule-lab-write-test"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise LabError(
            f"cannot write to the output folder {out}: {exc.strerror or exc}; pass a writable --out"
        ) from None
    return out


def _check_ids(experiment_ids) -> list:
    unknown = [i for i in experiment_ids if i not in registry.EXPERIMENTS]
    if unknown:
        raise LabError(
            f"unknown experiment id{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            "`chainrule lab list` shows the ids."
        )
    # Report order is the registry's, whatever order the user typed them in.
    wanted = set(experiment_ids)
    return [i for i in registry.EXPERIMENTS if i in wanted]


class _Progress:
    """A bar per experiment: redrawn in place on a terminal, one line per experiment otherwise."""

    def __init__(self, stream, total, width=20):
        self.stream, self.total, self.width, self.done = stream, total, width, 0
        self.live = stream is not None and getattr(stream, "isatty", lambda: False)()

    def _bar(self, experiment_id, done, n, tail=""):
        filled = round(self.width * done / max(n, 1))
        return f"[{self.done:>2}/{self.total}] {experiment_id:<28} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{n} seeds {tail}"

    def update(self, experiment_id, done, n):
        if self.live:
            self.stream.write("\r" + self._bar(experiment_id, done, n))
            self.stream.flush()

    def finish(self, experiment_id, n, result):
        if self.stream is None:
            return
        self.done += 1
        line = self._bar(experiment_id, n, n, f"{result.verdict:<13} {result.wall_time_s:6.1f}s")
        self.stream.write(("\r" if self.live else "") + line + "\n")
        self.stream.flush()


class _Serial:
    def submit(self, fn, *args):
        return fn(*args)

    def completed(self, futures):
        yield from futures

    def result(self, future):
        return future

    def close(self):
        pass


class _Pool:
    def __init__(self, workers):
        import concurrent.futures
        import multiprocessing

        self._cf = concurrent.futures
        # spawn: a fresh interpreter per worker, no inherited locks or BLAS thread pools.
        self.pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        )

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def completed(self, futures):
        return self._cf.as_completed(futures)

    def result(self, future):
        return future.result()

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Dask:
    def __init__(self, address, timeout):
        try:
            import distributed
        except ImportError:
            raise LabError(
                "--scheduler needs the optional `distributed` package (Dask): pip install 'chainrule[cluster]'"
            ) from None
        self._distributed = distributed
        try:
            self.client = distributed.Client(address, timeout=timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            raise LabError(f"cannot reach the Dask scheduler at {address!r} within {timeout:g}s: {exc}") from None

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def completed(self, futures):
        return self._distributed.as_completed(futures)

    def result(self, future):
        return future.result()

    def close(self):
        self.client.close()


def _new_doc(budget, seed, experiment_ids) -> dict:
    return {
        "format": FORMAT,
        "budget": budget,
        "seed": seed,
        "seeds": {},
        "versions": versions(),
        "machine": machine_info(),
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "wall_time_s": {},
        "elapsed_s": 0.0,
        "experiments": {},
    }


def run_lab(
    experiment_ids=None,
    out="lab-report",
    budget="quick",
    seed=0,
    workers=None,
    scheduler=None,
    resume=False,
    stream=sys.stderr,
    scheduler_timeout=10.0,
) -> dict:
    """Run experiments and keep ``out/results.json`` up to date; returns the results document.

    Args:
        experiment_ids: ids to run (None: every registered experiment).
        out: output folder (created if needed).
        budget: ``"tiny"``, ``"quick"`` or ``"full"``.
        seed: first seed; an experiment with n seeds runs ``seed .. seed + n - 1``.
        workers: run tasks on this many local processes (None or 1: in this process).
        scheduler: address of a Dask scheduler to submit the tasks to instead.
        resume: keep the experiments already in ``out/results.json`` (same budget and seed) and
            run only the others (and those that errored).
        stream: where the progress bars go (None: silent).
        scheduler_timeout: seconds to wait for the scheduler before giving up.

    Raises:
        LabError: unknown ids, an unwritable folder, an unreadable results.json on resume, a
            results.json of another budget or seed on resume, an unreachable scheduler.
    """
    registry.pick(budget, None, None, None)
    if workers is not None and workers < 1:
        raise LabError(f"--workers must be at least 1, got {workers}")
    if workers not in (None, 1) and scheduler:
        raise LabError("pass either --workers or --scheduler, not both")
    experiment_ids = _check_ids(list(registry.EXPERIMENTS) if experiment_ids is None else list(experiment_ids))
    out = _prepare_out(out)
    path = out / RESULTS_NAME
    if resume and path.exists():
        doc = load_results(path)
        if doc["budget"] != budget or doc["seed"] != seed:
            raise LabError(
                f"{path} holds a run with budget={doc['budget']!r} seed={doc['seed']}, not budget={budget!r} "
                f"seed={seed}; resume with the same options, or pass another --out"
            )
    else:
        if path.exists():
            # A fresh run never destroys an earlier one: the previous file is kept beside it.
            os.replace(path, out / (RESULTS_NAME + ".bak"))
        doc = _new_doc(budget, seed, experiment_ids)
    doc["resumed_elapsed_s"] = doc.get("elapsed_s", 0.0)
    done = {i for i, r in doc["experiments"].items() if r.get("verdict") != "error"}
    todo = [i for i in experiment_ids if i not in done]

    executor = (
        _Dask(scheduler, scheduler_timeout) if scheduler else _Pool(workers) if workers not in (None, 1) else _Serial()
    )
    progress = _Progress(stream, len(todo))
    started = time.perf_counter()
    try:
        with temporary_environ(THREAD_ENV) if not isinstance(executor, _Serial) else contextlib.nullcontext():
            _run_tasks(executor, todo, budget, seed, doc, path, progress, started)
    finally:
        executor.close()
    return doc


def _record(doc, path, result: Result, started) -> None:
    experiments = dict(doc["experiments"])
    experiments[result.id] = result.to_dict()
    order = list(registry.EXPERIMENTS)
    doc["experiments"] = {i: experiments[i] for i in sorted(experiments, key=order.index)}
    doc["seeds"][result.id] = result.seeds
    doc["wall_time_s"][result.id] = result.wall_time_s
    doc["elapsed_s"] = round(doc.get("resumed_elapsed_s", 0.0) + time.perf_counter() - started, 3)
    _write_atomic(path, doc)


def _run_tasks(executor, todo, budget, seed, doc, path, progress, started) -> None:
    plans = {}
    for experiment_id in todo:
        try:
            plans[experiment_id] = registry.seeds_for(experiment_id, budget, seed)
        except Exception:
            # The module does not import (a missing dependency): record it, go on with the rest.
            _record(doc, path, registry.error_result(experiment_id, budget, [], traceback.format_exc()), started)
            progress.finish(experiment_id, 0, Result(experiment_id, "", "", "", "", "", verdict="error"))
    trials = {i: [] for i in plans}
    errors = {i: [] for i in plans}
    if isinstance(executor, _Serial):
        # Serially, experiment by experiment, so each bar fills before the next starts.
        for experiment_id, seeds in plans.items():
            for k, s in enumerate(seeds):
                progress.update(experiment_id, k, len(seeds))
                _collect(_task(experiment_id, budget, s), experiment_id, trials, errors)
            _finish(experiment_id, plans, trials, errors, budget, doc, path, progress, started)
        return
    futures = {}
    for experiment_id, seeds in plans.items():
        for s in seeds:
            futures[executor.submit(_task, experiment_id, budget, s)] = experiment_id
    remaining = {i: len(s) for i, s in plans.items()}
    for future in executor.completed(list(futures)):
        experiment_id = futures[future]
        try:
            outcome = executor.result(future)
        except Exception:  # the worker died (killed, out of memory): the task's error, not the run's
            outcome = {"ok": False, "traceback": traceback.format_exc()}
        _collect(outcome, experiment_id, trials, errors)
        remaining[experiment_id] -= 1
        progress.update(experiment_id, len(plans[experiment_id]) - remaining[experiment_id], len(plans[experiment_id]))
        if remaining[experiment_id] == 0:
            _finish(experiment_id, plans, trials, errors, budget, doc, path, progress, started)


def _collect(outcome, experiment_id, trials, errors) -> None:
    if outcome["ok"]:
        trials[experiment_id].append(outcome["trial"])
    else:
        errors[experiment_id].append(outcome["traceback"])


def _finish(experiment_id, plans, trials, errors, budget, doc, path, progress, started) -> None:
    seeds = plans[experiment_id]
    found: list[Trial] = trials[experiment_id]
    if errors[experiment_id]:
        result = registry.error_result(
            experiment_id, budget, seeds, errors[experiment_id][0], sum(t.timings.get("wall_time_s", 0) for t in found)
        )
    else:
        try:
            result = registry.merge(experiment_id, budget, found)
        except Exception:
            result = registry.error_result(experiment_id, budget, seeds, traceback.format_exc())
    _record(doc, path, result, started)
    progress.finish(experiment_id, len(seeds), result)
