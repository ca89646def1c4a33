"""The verdict rule: checks judged by mean +- 2 standard errors over seeds, and Result round trips."""

import json
import math

import pytest

from chainrule.lab.result import Check, Result, Trial, judge, judge_rule


def _trials(values, op=">", threshold=0.0):
    out = []
    for seed, value in enumerate(values):
        trial = Trial(seed)
        trial.check("effect", value, op, threshold, "the effect")
        out.append(trial)
    return out


def test_a_clear_effect_holds_and_a_clear_absence_fails():
    assert judge(_trials([1.0, 1.1, 0.9]))[0] == "supported"
    assert judge(_trials([-1.0, -1.1, -0.9]))[0] == "not supported"


def test_an_effect_within_two_standard_errors_is_unclear_and_mixed():
    verdict, summaries, per_seed = judge(_trials([1.0, -0.8, 0.1]))
    assert summaries[0]["outcome"] == "unclear"
    assert verdict == "mixed"
    assert [p["verdict"] for p in per_seed] == ["supported", "not supported", "supported"]


def test_standard_error_is_that_of_the_mean():
    _, summaries, _ = judge(_trials([1.0, 2.0, 3.0]))
    assert summaries[0]["mean"] == pytest.approx(2.0)
    assert summaries[0]["se"] == pytest.approx(1.0 / math.sqrt(3))


def test_less_than_checks_mirror_greater_than():
    assert judge(_trials([0.1, 0.2], op="<", threshold=1.0))[0] == "supported"
    assert judge(_trials([2.0, 2.1], op="<", threshold=1.0))[0] == "not supported"


def test_some_checks_holding_and_others_failing_is_mixed():
    trial = Trial(0)
    trial.check("a", 1.0, ">", 0.0)
    trial.check("b", -1.0, ">", 0.0)
    assert judge([trial])[0] == "mixed"


def test_a_single_seed_is_judged_on_its_value():
    assert judge(_trials([1e-9]))[0] == "supported"


def test_non_finite_values_follow_ieee_comparisons():
    assert judge(_trials([math.inf, math.inf]))[0] == "supported"
    assert judge(_trials([math.nan]))[0] == "not supported"


def test_seeds_with_different_checks_are_refused():
    a, b = Trial(0), Trial(1)
    a.check("x", 1, ">", 0)
    b.check("y", 1, ">", 0)
    with pytest.raises(ValueError, match="different checks"):
        judge([a, b])


def test_bad_operator_is_refused():
    with pytest.raises(ValueError, match="op should be"):
        Check("x", 1.0, ">=", 0.0)


def test_rule_is_written_out_with_every_check():
    trial = Trial(0)
    trial.check("first_ratio", 3.0, ">", 10.0, "first-layer ratio")
    trial.check("wall", 2.0, "<", 5.0, "time ratio", timed=True)
    rule = judge_rule(trial.checks)
    assert "first-layer ratio (first_ratio) > 10" in rule
    assert "[timing]" in rule and "2 standard errors" in rule


def test_result_json_round_trip():
    result = Result(
        id="x",
        title_en="t",
        title_zh="标题",
        claim_en="c",
        claim_zh="论断",
        method="m",
        measurements={"checks": [], "seeds": {"0": {"measurements": {"v": math.inf}, "series": {"s": [1.0, 2.0]}}}},
        verdict="mixed",
        per_seed=[{"seed": 0, "verdict": "mixed"}],
        seeds=[0],
    )
    again = Result.from_json(result.to_json())
    assert again == result
    assert json.loads(result.to_json())["title_zh"] == "标题"
    with pytest.raises(ValueError, match="unknown fields"):
        Result.from_dict({**result.to_dict(), "surprise": 1})
