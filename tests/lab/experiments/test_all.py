"""Every experiment at the tiny budget: it runs, produces a verdict by its rule, and repeats exactly.

No test here asserts a verdict: an honest measurement of a claim may come out either way.
"""

import json
import math

import pytest
from lab_helpers import missing

from chainrule.lab import registry
from chainrule.lab.result import VERDICTS


def _canonical(measurements):
    # NaN != NaN, so compare the JSON text (which spells NaN the same way both times).
    return json.dumps(measurements, sort_keys=True, allow_nan=True)


@pytest.mark.parametrize("experiment_id", registry.ids())
def test_experiment_runs_reproducibly_and_computes_a_verdict(experiment_id, one_blas_thread):
    if missing(experiment_id):
        pytest.skip(f"{experiment_id} needs {missing(experiment_id)}, not in this checkout yet")
    first = registry.run(experiment_id, budget="tiny", seed=3)
    second = registry.run(experiment_id, budget="tiny", seed=3)
    assert first.verdict in VERDICTS
    assert _canonical(first.measurements) == _canonical(second.measurements)
    checks = first.measurements["checks"] + first.timings["checks"]
    assert checks, "an experiment must state at least one check"
    for check in checks:
        assert check["outcome"] in ("holds", "fails", "unclear")
        assert check["description"]
    # The rule names every check it judged, so the verdict can be re-derived by hand.
    for check in checks:
        assert check["name"] in first.rule
    assert first.seeds == [3 + i for i in range(registry.get(experiment_id).spec.seeds["tiny"])]
    assert [p["seed"] for p in first.per_seed] == first.seeds
    assert first.seeds_agree == (len({p["verdict"] for p in first.per_seed}) == 1)
    assert math.isfinite(first.wall_time_s) and first.wall_time_s >= 0


@pytest.mark.parametrize("experiment_id", registry.ids())
def test_every_figure_draws_from_series_or_measurements_the_experiment_produces(experiment_id, one_blas_thread):
    if missing(experiment_id):
        pytest.skip(f"{experiment_id} needs {missing(experiment_id)}")
    spec = registry.get(experiment_id).spec
    if not spec.figures:
        pytest.skip("no figures")
    trial = registry.run_trial(experiment_id, "tiny", 0)
    for fig in spec.figures:
        if fig["kind"] == "line":
            assert fig["x"] in trial.series, fig
            assert all(y in trial.series for y in fig["y"]), fig
        else:
            assert all(y in trial.measurements or y in trial.timings for y in fig["y"]), fig


def test_a_different_seed_gives_different_numbers(one_blas_thread):
    a = registry.run("exploding-init", budget="tiny", seed=0)
    b = registry.run("exploding-init", budget="tiny", seed=1)
    assert _canonical(a.measurements["checks"]) != _canonical(b.measurements["checks"])


def test_registry_ids_are_unique_and_match_their_specs():
    for experiment_id in registry.ids():
        fn = registry.get(experiment_id)
        assert fn.spec.id == experiment_id
        assert fn.spec.title_zh and fn.spec.claim_zh and fn.spec.claim_en and fn.spec.method
        assert set(fn.spec.seeds) == set(registry.BUDGETS)
        assert fn.spec.seeds["quick"] >= 1


def test_quick_budget_runs_at_least_three_seeds_where_cheap():
    # BERT pre-training may run fewer; the architecture facts have no randomness to average.
    cheap = [i for i in registry.ids() if i not in ("bert-mlm", "bert-architecture-facts")]
    for experiment_id in cheap:
        assert registry.get(experiment_id).spec.seeds["quick"] >= 3, experiment_id


def test_unknown_id_and_budget_raise_clear_errors():
    with pytest.raises(KeyError, match="unknown experiment id 'nope'"):
        registry.get("nope")
    with pytest.raises(ValueError, match="unknown budget 'huge'"):
        registry.pick("huge", 1, 2, 3)
