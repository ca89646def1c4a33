"""chainrule.lab: every claim of the deep-learning notes, measured, with computed verdicts.

    from chainrule import lab
    result = lab.run("relu-vanishing", budget="quick", seed=0)
    print(result.verdict, result.rule)

``chainrule lab`` runs them all and writes a report; see docs/lab.md.
"""

from .registry import EXPERIMENTS, experiment, figure, get, ids, pick, run
from .result import Check, Result, Trial, judge

__all__ = ["EXPERIMENTS", "Check", "Result", "Trial", "experiment", "figure", "get", "ids", "judge", "pick", "run"]
