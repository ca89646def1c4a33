"""Exact identities the overfitting experiments measure: here the measurement itself is asserted,
because it is algebra, not an empirical claim that could honestly go either way."""

import pytest

from chainrule.lab import registry


def test_l2_step_equals_the_shrink_factor_formula():
    result = registry.run("l2-shrink-factor", budget="tiny", seed=0)
    m = result.measurements["seeds"]["0"]["measurements"]
    assert m["max_abs_diff_weight_decay"] < 1e-12
    assert m["max_abs_diff_penalty"] < 1e-12
    assert m["shrink_factor"] == pytest.approx(1 - 0.1 * 0.05)


def test_l1_and_l2_shrink_rates_cross_at_magnitude_one():
    result = registry.run("l1-vs-l2-shrink-rate", budget="tiny", seed=0)
    m = result.measurements["seeds"]["0"]["measurements"]
    assert m["crossover_magnitude"] == pytest.approx(1.0, rel=1e-9)
    assert m["l1_over_l2_at_1e-3"] == pytest.approx(1000.0, rel=1e-9)
    assert m["l2_over_l1_at_10"] == pytest.approx(10.0, rel=1e-9)


def test_ridge_solution_is_reached_by_gradient_descent_with_weight_decay():
    result = registry.run("l2-is-ridge", budget="tiny", seed=0)
    assert result.measurements["seeds"]["0"]["measurements"]["distance_to_ridge"] < 1e-3
