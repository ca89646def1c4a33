"""The whole lab at the quick budget, as `chainrule lab` runs it (slow: minutes; the tiny-budget
tests in experiments/test_all.py cover the same machinery quickly)."""

import time

import pytest
from lab_helpers import missing

from chainrule.lab import registry
from chainrule.lab.result import VERDICTS
from chainrule.lab.runner import run_lab


@pytest.mark.slow
def test_quick_lab_on_two_workers_finishes_in_ten_minutes_with_a_verdict_for_every_experiment(tmp_path):
    ids = [i for i in registry.ids() if not missing(i)]
    start = time.perf_counter()
    doc = run_lab(ids, out=tmp_path, budget="quick", workers=2, stream=None)
    elapsed = time.perf_counter() - start
    assert [i for i, r in doc["experiments"].items() if r["verdict"] not in VERDICTS] == []
    assert set(doc["experiments"]) == set(ids)
    assert elapsed < 600, f"quick lab took {elapsed:.0f} s"
