"""The runner: serial, local processes and a Dask cluster agree exactly; errors, interruption,
resume and bad requests lose nothing already written."""

import json
import os
import sys
from pathlib import Path

import pytest

import chainrule
from chainrule.lab import registry, runner
from chainrule.lab.result import Trial
from chainrule.lab.runner import LabError, run_lab

# Cheap experiments with several seeds at the quick budget (so merging across seeds is exercised).
SLICE = ["sigmoid-range-and-cdf", "exploding-init", "l2-shrink-factor", "imbalance-metrics"]


def _measurements(doc):
    return json.dumps({i: r["measurements"] for i, r in doc["experiments"].items()}, sort_keys=True, allow_nan=True)


def _verdicts(doc):
    return {i: (r["verdict"], r["seeds"], r["per_seed"]) for i, r in doc["experiments"].items()}


@pytest.fixture(scope="module")
def serial_doc(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    doc = run_lab(SLICE, out=out, budget="quick", seed=0, stream=None)
    return doc, out


def test_serial_run_writes_results_json_with_run_metadata(serial_doc):
    doc, out = serial_doc
    on_disk = json.loads((out / "results.json").read_text())
    assert list(on_disk["experiments"]) == [i for i in registry.ids() if i in SLICE]
    assert on_disk["budget"] == "quick" and on_disk["seed"] == 0
    assert on_disk["versions"]["chainrule"] == chainrule.__version__
    assert on_disk["versions"]["numpy"]
    assert on_disk["machine"]["cpu_count"] >= 1
    for experiment_id in SLICE:
        assert on_disk["seeds"][experiment_id] == registry.seeds_for(experiment_id, "quick", 0)
        assert on_disk["wall_time_s"][experiment_id] >= 0
    assert _measurements(on_disk) == _measurements(doc)


def test_two_local_processes_give_identical_measurements(serial_doc, tmp_path):
    doc, _ = serial_doc
    parallel = run_lab(SLICE, out=tmp_path, budget="quick", seed=0, workers=2, stream=None)
    assert _measurements(parallel) == _measurements(doc)
    assert _verdicts(parallel) == _verdicts(doc)
    assert list(parallel["experiments"]) == list(doc["experiments"])


def test_a_dask_local_cluster_gives_identical_measurements(serial_doc, tmp_path):
    distributed = pytest.importorskip("distributed")
    doc, _ = serial_doc
    src = str(Path(chainrule.__file__).resolve().parents[1])
    env = {"PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, env=env
    ) as cluster:
        clustered = run_lab(
            SLICE, out=tmp_path, budget="quick", seed=0, scheduler=cluster.scheduler_address, stream=None
        )
    assert _measurements(clustered) == _measurements(doc)
    assert _verdicts(clustered) == _verdicts(doc)


def test_an_unreachable_scheduler_is_a_clear_error_fast(tmp_path):
    pytest.importorskip("distributed")
    with pytest.raises(LabError, match="cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'"):
        run_lab(SLICE[:1], out=tmp_path, scheduler="tcp://127.0.0.1:9", scheduler_timeout=1, stream=None)


def test_missing_distributed_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(LabError, match="optional `distributed` package"):
        run_lab(SLICE[:1], out=tmp_path, scheduler="tcp://127.0.0.1:9", stream=None)


def _boom(budget, seed):
    raise ZeroDivisionError("measured nothing")


_boom.spec = registry.Spec("boom", "test", "Boom", "爆", "raises", "出错", "raises on purpose")


@pytest.fixture
def with_failing_experiment(monkeypatch):
    """Registers an extra experiment that raises, in this process."""
    table = dict(registry.EXPERIMENTS)
    table["boom"] = "unused:unused"
    monkeypatch.setattr(registry, "EXPERIMENTS", table)
    real_get = registry.get
    monkeypatch.setattr(registry, "get", lambda i: _boom if i == "boom" else real_get(i))


def test_an_experiment_that_raises_is_recorded_and_the_others_go_on(with_failing_experiment, tmp_path):
    doc = run_lab(["boom", "l2-shrink-factor"], out=tmp_path, budget="tiny", stream=None)
    assert doc["experiments"]["boom"]["verdict"] == "error"
    assert "ZeroDivisionError: measured nothing" in doc["experiments"]["boom"]["error"]
    assert doc["experiments"]["l2-shrink-factor"]["verdict"] in ("supported", "not supported", "mixed")
    on_disk = json.loads((tmp_path / "results.json").read_text())
    assert set(on_disk["experiments"]) == {"boom", "l2-shrink-factor"}


def test_an_interrupted_run_keeps_what_finished_and_resume_runs_only_the_rest(monkeypatch, tmp_path):
    ids = ["sigmoid-range-and-cdf", "exploding-init", "l2-shrink-factor"]
    real = registry.run_trial
    calls = []

    def interrupt_on_the_second(experiment_id, budget, seed):
        calls.append(experiment_id)
        if experiment_id == "exploding-init":
            raise KeyboardInterrupt
        return real(experiment_id, budget, seed)

    monkeypatch.setattr(registry, "run_trial", interrupt_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        run_lab(ids, out=tmp_path, budget="tiny", stream=None)
    saved = json.loads((tmp_path / "results.json").read_text())
    assert list(saved["experiments"]) == ["sigmoid-range-and-cdf"]

    calls.clear()
    monkeypatch.setattr(registry, "run_trial", lambda *a: calls.append(a[0]) or real(*a))
    resumed = run_lab(ids, out=tmp_path, budget="tiny", resume=True, stream=None)
    assert "sigmoid-range-and-cdf" not in calls
    assert set(calls) == {"exploding-init", "l2-shrink-factor"}
    assert list(resumed["experiments"]) == [i for i in registry.ids() if i in ids]
    assert resumed["experiments"]["sigmoid-range-and-cdf"] == saved["experiments"]["sigmoid-range-and-cdf"]
    fresh = run_lab(ids, out=tmp_path / "fresh", budget="tiny", stream=None)
    assert _measurements(resumed) == _measurements(fresh)


def test_resume_reruns_experiments_that_errored(with_failing_experiment, tmp_path, monkeypatch):
    run_lab(["boom"], out=tmp_path, budget="tiny", stream=None)
    monkeypatch.setattr(registry, "get", lambda i: _ok_trial)
    doc = run_lab(["boom"], out=tmp_path, budget="tiny", resume=True, stream=None)
    assert doc["experiments"]["boom"]["verdict"] == "supported"


def _ok_trial(budget, seed):
    trial = Trial(seed)
    trial.check("fine", 1.0, ">", 0.0, "fine")
    return trial


_ok_trial.spec = registry.Spec("boom", "test", "Boom", "爆", "fixed", "修好", "fixed")


def test_resume_with_a_corrupted_results_json_stops_and_keeps_the_file(tmp_path):
    path = tmp_path / "results.json"
    path.write_text('{"format": "chainrule-lab/1", "experiments": {tru', encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(LabError, match="corrupted .*left untouched"):
        run_lab(["l2-shrink-factor"], out=tmp_path, budget="tiny", resume=True, stream=None)
    assert path.read_bytes() == before


def test_resume_with_other_options_is_refused(tmp_path):
    run_lab(["l2-shrink-factor"], out=tmp_path, budget="tiny", seed=0, stream=None)
    with pytest.raises(LabError, match="budget='tiny' seed=0"):
        run_lab(["l2-shrink-factor"], out=tmp_path, budget="tiny", seed=5, resume=True, stream=None)


def test_a_fresh_run_keeps_the_previous_results_as_a_backup(tmp_path):
    run_lab(["l2-shrink-factor"], out=tmp_path, budget="tiny", stream=None)
    first = (tmp_path / "results.json").read_text()
    run_lab(["exploding-init"], out=tmp_path, budget="tiny", stream=None)
    assert (tmp_path / "results.json.bak").read_text() == first


def test_unknown_ids_and_unwritable_folders_are_clear_errors(tmp_path):
    with pytest.raises(LabError, match="unknown experiment ids: nope, nada"):
        run_lab(["nope", "l2-shrink-factor", "nada"], out=tmp_path, stream=None)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(LabError, match="cannot write to the output folder"):
        run_lab(["l2-shrink-factor"], out=blocker / "out", stream=None)
    with pytest.raises(LabError, match="--workers must be at least 1"):
        run_lab(["l2-shrink-factor"], out=tmp_path, workers=0, stream=None)


def test_results_json_is_replaced_atomically(tmp_path, monkeypatch):
    # A crash while writing leaves the previous complete file, never a truncated one.
    run_lab(["l2-shrink-factor"], out=tmp_path, budget="tiny", stream=None)
    good = (tmp_path / "results.json").read_text()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(runner.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        runner._write_atomic(tmp_path / "results.json", {"format": "x"})
    assert (tmp_path / "results.json").read_text() == good
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".results")]  # no temporary left


def test_results_json_is_readable_as_the_umask_allows(tmp_path):
    """The results file is created as open() would create it: its mode follows the umask."""
    old = os.umask(0o022)
    try:
        run_lab(["l2-shrink-factor"], out=tmp_path, budget="tiny", stream=None)
    finally:
        os.umask(old)
    assert (tmp_path / "results.json").stat().st_mode & 0o777 == 0o644
