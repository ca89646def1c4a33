from chainrule.lab import registry


def test_backprop_matches_finite_differences():
    # Central differences agree with backprop to ~1e-9 in float64: an identity, not a claim.
    result = registry.run("backprop-vs-numeric", budget="tiny", seed=0)
    assert result.measurements["seeds"]["0"]["measurements"]["max_relative_error"] < 1e-6
    assert result.timings["checks"][0]["name"] == "backward_over_forward"
