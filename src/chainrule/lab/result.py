"""What one experiment hands back: :class:`Trial` (one seed) and :class:`Result` (all seeds).

An experiment measures; it never writes its verdict in. Each seed's run returns a :class:`Trial`
holding its numbers, its curves and a list of :class:`Check` objects, each one comparison of a
measured quantity with a threshold (``first-layer gradient ratio ReLU/sigmoid > 10``). The
verdict is then computed by :func:`judge` from the checks alone, over all seeds together:

* a check **holds** when its mean over seeds clears the threshold by more than twice the
  standard error of that mean (``mean - 2 SE > threshold`` for ``>``), **fails** when it misses
  by more than twice the standard error, and is **unclear** when the threshold lies within two
  standard errors (with one seed the standard error is 0, so the value alone decides);
* the verdict is ``supported`` when every check holds, ``not supported`` when every check fails,
  and ``mixed`` otherwise.

Two standard errors is the usual "clearly more than noise" bar: a difference that small seeds
can flip does not count as an effect. The same rule applied to each seed alone gives the
per-seed verdicts, and the report says whether all seeds agree.

Timings (wall-clock seconds) vary from run to run, so they live apart from the measurements
(``Trial.timings`` / ``Result.timings``): the measurements of a run are a pure function of the
budget and the seeds, whatever machine, process or cluster computed them.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

__all__ = ["Check", "Result", "Trial", "VERDICTS", "judge", "judge_rule"]

VERDICTS = ("supported", "not supported", "mixed")
_OPS = {">": lambda a, b: a > b, "<": lambda a, b: a < b}


@dataclass
class Check:
    """One comparison ``value op threshold`` that the claim predicts.

    Args:
        name: short identifier of the measured quantity (``first_layer_ratio``).
        value: the measured value for one seed.
        op: ``">"`` or ``"<"``: the direction the claim predicts.
        threshold: the value the measurement must clear.
        description: the quantity in words, for the rule (``ReLU/sigmoid first-layer gradient ratio``).
        timed: True when the value comes from wall-clock timings (kept out of the measurements
            that must be identical run to run).
    """

    name: str
    value: float
    op: str
    threshold: float
    description: str = ""
    timed: bool = False

    def __post_init__(self):
        if self.op not in _OPS:
            raise ValueError(f"Check {self.name!r}: op should be '>' or '<', got {self.op!r}")
        self.value = float(self.value)
        self.threshold = float(self.threshold)


@dataclass
class Trial:
    """One seed's run of one experiment.

    Args:
        seed: the seed this trial ran with.
        measurements: named scalars and small lists (deterministic given budget and seed).
        series: named curves (lists of numbers) the figures draw.
        checks: the comparisons the verdict is computed from.
        timings: wall-clock numbers (seconds or ratios of seconds); not reproducible.
    """

    seed: int
    measurements: dict = field(default_factory=dict)
    series: dict = field(default_factory=dict)
    checks: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)

    def check(self, name, value, op, threshold, description="", timed=False) -> None:
        """Append a :class:`Check`; the one-line way experiments state what the claim predicts."""
        self.checks.append(Check(name, value, op, threshold, description, timed))


def _mean_se(values):
    n = len(values)
    mean = math.fsum(values) / n
    if n < 2:
        return mean, 0.0
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, math.sqrt(variance / n)


def _outcome(mean, se, op, threshold):
    """``holds`` / ``fails`` / ``unclear`` for one check (see the module docstring)."""
    if not math.isfinite(mean):
        # A NaN or infinite measurement (a diverged run) satisfies a comparison only as IEEE says.
        return "holds" if _OPS[op](mean, threshold) else "fails"
    margin = 2.0 * se
    if op == ">":
        return "holds" if mean - margin > threshold else "fails" if mean + margin < threshold else "unclear"
    return "holds" if mean + margin < threshold else "fails" if mean - margin > threshold else "unclear"


def _verdict(outcomes):
    if outcomes and all(o == "holds" for o in outcomes):
        return "supported"
    if outcomes and all(o == "fails" for o in outcomes):
        return "not supported"
    return "mixed"


def judge_rule(checks) -> str:
    """The verdict rule for a list of checks, written out (shown with every verdict)."""
    lines = [
        f"  - {c.description or c.name} ({c.name}) {c.op} {c.threshold:g}" + (" [timing]" if c.timed else "")
        for c in checks
    ]
    return (
        "Checks the claim predicts:\n"
        + "\n".join(lines)
        + "\nA check holds when its mean over seeds clears the threshold by more than 2 standard errors, "
        "fails when it misses by more than 2 standard errors, and is unclear otherwise. "
        "Verdict: supported if every check holds, not supported if every check fails, mixed otherwise."
    )


def judge(trials):
    """Verdict of a list of trials (one per seed): ``(verdict, check summaries, per-seed verdicts)``.

    The trials must all carry the same checks in the same order (the experiment's code decides
    them, not the data), so the i-th check of every trial measures the same thing.
    """
    names = [c.name for c in trials[0].checks]
    for trial in trials[1:]:
        if [c.name for c in trial.checks] != names:
            raise ValueError(f"judge: seeds report different checks: {names} vs {[c.name for c in trial.checks]}")
    summaries, outcomes = [], []
    for i, first in enumerate(trials[0].checks):
        values = [t.checks[i].value for t in trials]
        mean, se = _mean_se(values)
        outcome = _outcome(mean, se, first.op, first.threshold)
        outcomes.append(outcome)
        summaries.append(
            {
                "name": first.name,
                "description": first.description,
                "op": first.op,
                "threshold": first.threshold,
                "values": values,
                "mean": mean,
                "se": se,
                "outcome": outcome,
                "timed": first.timed,
            }
        )
    per_seed = []
    for trial in trials:
        seed_outcomes = [_outcome(c.value, 0.0, c.op, c.threshold) for c in trial.checks]
        per_seed.append({"seed": trial.seed, "verdict": _verdict(seed_outcomes)})
    return _verdict(outcomes), summaries, per_seed


@dataclass
class Result:
    """Everything the report shows about one experiment, all seeds merged.

    ``measurements`` holds ``checks`` (the deterministic checks with their per-seed values, mean,
    standard error and outcome) and ``seeds`` (each seed's measurements and series);
    ``timings`` holds the same for the wall-clock checks and numbers. ``verdict`` is one of
    :data:`VERDICTS`, or ``"error"`` when the experiment raised (``error`` then holds the traceback).
    """

    id: str
    title_en: str
    title_zh: str
    claim_en: str
    claim_zh: str
    method: str
    topic: str = ""
    measurements: dict = field(default_factory=dict)
    figures: list = field(default_factory=list)
    verdict: str = "error"
    rule: str = ""
    per_seed: list = field(default_factory=list)
    seeds_agree: bool = False
    seeds: list = field(default_factory=list)
    budget: str = ""
    wall_time_s: float = 0.0
    timings: dict = field(default_factory=dict)
    notes: str = ""
    error: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Result:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"Result.from_dict: unknown fields {sorted(unknown)}")
        return cls(**data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, allow_nan=True)

    @classmethod
    def from_json(cls, text: str) -> Result:
        return cls.from_dict(json.loads(text))
