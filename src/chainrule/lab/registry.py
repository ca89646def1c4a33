"""The lab's experiments by stable id, and :func:`run`, which runs one of them over its seeds.

An experiment is a plain function ``trial(budget, seed) -> Trial`` in one of the topic modules of
:mod:`chainrule.lab.experiments`, decorated with :func:`experiment` (its titles, claim and method,
how many seeds each budget runs, and the figures the report draws). It is registered by one
line in :data:`EXPERIMENTS` below, so adding an experiment is one function plus one line.

The modules are imported only when an experiment is asked for, so ``chainrule lab list`` and the
report need nothing but this table, and an experiment whose dependency is missing fails alone.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field

from .result import Result, judge, judge_rule

__all__ = ["BUDGETS", "EXPERIMENTS", "Spec", "experiment", "figure", "get", "ids", "merge", "pick", "run", "seeds_for"]

BUDGETS = ("tiny", "quick", "full")

# id -> "module:function" under chainrule.lab.experiments, in report order (the notes' order).
EXPERIMENTS = {
    "backprop-vs-numeric": "backprop:backprop_vs_numeric",
    "relu-vanishing": "activations:relu_vanishing",
    "relu-cost": "activations:relu_cost",
    "relu-speeds-training": "activations:relu_speeds_training",
    "dead-relu": "activations:dead_relu",
    "relu-not-zero-centred": "activations:relu_not_zero_centred",
    "sigmoid-range-and-cdf": "activations:sigmoid_range_and_cdf",
    "sigmoid-logistic-regression": "activations:sigmoid_logistic_regression",
    "softmax-distribution": "activations:softmax_distribution",
    "exploding-init": "gradients:exploding_init",
    "lstm-vs-rnn": "gradients:lstm_vs_rnn",
    "gradient-clipping": "gradients:gradient_clipping",
    "weight-decay-limits-norm": "gradients:weight_decay_limits_norm",
    "shallower-net": "gradients:shallower_net",
    "batchnorm-deep-net": "gradients:batchnorm_deep_net",
    "l2-shrink-factor": "overfitting:l2_shrink_factor",
    "l2-is-ridge": "overfitting:l2_is_ridge",
    "l2-smooths-fit": "overfitting:l2_smooths_fit",
    "l1-sparsity": "overfitting:l1_sparsity",
    "l1-vs-l2-shrink-rate": "overfitting:l1_vs_l2_shrink_rate",
    "dropout-generalisation": "overfitting:dropout_generalisation",
    "dropout-ensemble": "overfitting:dropout_ensemble",
    "dropout-coadaptation": "overfitting:dropout_coadaptation",
    "dropout-slows-training": "overfitting:dropout_slows_training",
    "dropout-small-data": "overfitting:dropout_small_data",
    "augmentation": "overfitting:augmentation",
    "more-data-less-overfitting": "overfitting:more_data_less_overfitting",
    "early-stopping": "overfitting:early_stopping",
    "bert-architecture-facts": "bert:bert_architecture_facts",
    "deep-narrow-vs-shallow-wide": "bert:deep_narrow_vs_shallow_wide",
    "bert-mlm": "bert:bert_mlm",
    "imbalance-metrics": "imbalance:imbalance_metrics",
    "imbalance-remedies": "imbalance:imbalance_remedies",
}


@dataclass
class Spec:
    """What the report says about an experiment besides its numbers."""

    id: str
    topic: str
    title_en: str
    title_zh: str
    claim_en: str
    claim_zh: str
    method: str
    seeds: dict = field(default_factory=lambda: {"tiny": 1, "quick": 3, "full": 5})
    figures: list = field(default_factory=list)
    notes: str = ""


def figure(kind, title, x, y, xlabel="", ylabel="", logy=False, logx=False) -> dict:
    """A figure spec: ``kind`` ``"line"`` (series ``y`` against series ``x``) or ``"bar"`` (the
    scalar measurements named in ``y``; ``x`` gives their labels). The report draws it from the
    measurements of every seed (the mean, with the seeds' range shaded)."""
    if kind not in ("line", "bar"):
        raise ValueError(f"figure: kind should be 'line' or 'bar', got {kind!r}")
    return {
        "kind": kind,
        "title": title,
        "x": x,
        "y": list(y),
        "xlabel": xlabel,
        "ylabel": ylabel,
        "logy": logy,
        "logx": logx,
    }


def experiment(id, topic, title_en, title_zh, claim_en, claim_zh, method, seeds=(1, 3, 5), figures=(), notes=""):
    """Decorator that attaches a :class:`Spec` to a trial function (``seeds``: tiny, quick, full)."""

    def wrap(fn):
        fn.spec = Spec(
            id=id,
            topic=topic,
            title_en=title_en,
            title_zh=title_zh,
            claim_en=claim_en,
            claim_zh=claim_zh,
            method=method,
            seeds=dict(zip(BUDGETS, seeds)),
            figures=list(figures),
            notes=notes,
        )
        return fn

    return wrap


def pick(budget, tiny, quick, full):
    """The value for ``budget``: experiments size themselves with one call per knob."""
    try:
        return {"tiny": tiny, "quick": quick, "full": full}[budget]
    except KeyError:
        raise ValueError(f"unknown budget {budget!r}; expected one of {', '.join(BUDGETS)}") from None


def ids() -> list:
    return list(EXPERIMENTS)


def get(experiment_id):
    """The trial function registered under ``experiment_id`` (imports its module)."""
    if experiment_id not in EXPERIMENTS:
        raise KeyError(
            f"unknown experiment id {experiment_id!r}; `chainrule lab list` shows the {len(EXPERIMENTS)} ids"
        )
    module_name, function_name = EXPERIMENTS[experiment_id].split(":")
    module = importlib.import_module(f"{__package__}.experiments.{module_name}")
    fn = getattr(module, function_name)
    if fn.spec.id != experiment_id:
        raise RuntimeError(f"registry: {EXPERIMENTS[experiment_id]} declares id {fn.spec.id!r}, not {experiment_id!r}")
    return fn


def seeds_for(experiment_id, budget, seed) -> list:
    """The seeds an experiment runs at ``budget``: ``seed, seed + 1, ...``."""
    n = get(experiment_id).spec.seeds[pick(budget, "tiny", "quick", "full")]
    return [seed + i for i in range(n)]


def run_trial(experiment_id, budget, seed):
    """One (experiment, seed) task: the unit the runner schedules on processes or a cluster.

    Seeds chainrule's default generator first, so layer initialisation and dropout masks are a
    function of the seed alone, whichever process runs the task.
    """
    from .. import random as cr_random
    from ._threads import single_threaded

    fn = get(experiment_id)
    cr_random.manual_seed(seed)
    with single_threaded():
        start = time.perf_counter()
        trial = fn(budget, seed)
        trial.timings.setdefault("wall_time_s", time.perf_counter() - start)
    trial.seed = seed
    return trial


def merge(experiment_id, budget, trials, wall_time_s=None) -> Result:
    """One :class:`Result` from the trials of all seeds (sorted by seed, so any completion order
    — serial, processes, cluster — gives the same Result)."""
    spec = get(experiment_id).spec
    trials = sorted(trials, key=lambda t: t.seed)
    verdict, summaries, per_seed = judge(trials)
    deterministic = [s for s in summaries if not s["timed"]]
    timed = [s for s in summaries if s["timed"]]
    measurements = {
        "checks": deterministic,
        "seeds": {str(t.seed): {"measurements": t.measurements, "series": t.series} for t in trials},
    }
    timings = {"checks": timed, "seeds": {str(t.seed): t.timings for t in trials}}
    if wall_time_s is None:
        wall_time_s = sum(t.timings.get("wall_time_s", 0.0) for t in trials)
    return Result(
        id=spec.id,
        title_en=spec.title_en,
        title_zh=spec.title_zh,
        claim_en=spec.claim_en,
        claim_zh=spec.claim_zh,
        method=spec.method,
        topic=spec.topic,
        measurements=measurements,
        figures=spec.figures,
        verdict=verdict,
        rule=judge_rule(trials[0].checks),
        per_seed=per_seed,
        seeds_agree=len({p["verdict"] for p in per_seed}) == 1,
        seeds=[t.seed for t in trials],
        budget=budget,
        wall_time_s=wall_time_s,
        timings=timings,
        notes=spec.notes,
    )


def error_result(experiment_id, budget, seeds, traceback_text, wall_time_s=0.0) -> Result:
    """The Result recorded for an experiment that raised: its traceback instead of a verdict."""
    try:
        spec = get(experiment_id).spec
        texts = dict(
            title_en=spec.title_en,
            title_zh=spec.title_zh,
            claim_en=spec.claim_en,
            claim_zh=spec.claim_zh,
            method=spec.method,
            topic=spec.topic,
        )
    except Exception:  # the module itself failed to import: the traceback says why
        texts = dict(title_en=experiment_id, title_zh=experiment_id, claim_en="", claim_zh="", method="")
    return Result(
        id=experiment_id,
        **texts,
        verdict="error",
        seeds=list(seeds),
        budget=budget,
        wall_time_s=wall_time_s,
        error=traceback_text,
    )


def run(experiment_id, budget="quick", seed=0) -> Result:
    """Run one experiment over all its seeds in this process and merge them into a Result."""
    pick(budget, None, None, None)
    trials = [run_trial(experiment_id, budget, s) for s in seeds_for(experiment_id, budget, seed)]
    return merge(experiment_id, budget, trials)
