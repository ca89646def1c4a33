"""Numeric claims made in docs/backprop.md §2, measured on a small MLP.

* One reverse sweep runs each recorded node's backward exactly once, however many parameters
  there are (forward mode would need one sweep per parameter).
* Linear (and MatMul) skip the gradient of an input that needs none (the data batch X).
* The backward pass costs a small constant multiple of the forward pass.
"""

import numpy as np
import pytest

import chainrule as cr
import chainrule.functional as F
from chainrule.autograd import _collect_nodes


def _mlp(hidden, n=16, d=8, classes=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = cr.tensor(rng.standard_normal((n, d)).astype(dtype))
    y = cr.tensor(rng.integers(0, classes, n))
    shapes = ((hidden, d), (hidden,), (classes, hidden), (classes,))
    params = [cr.tensor((0.1 * rng.standard_normal(s)).astype(dtype), requires_grad=True) for s in shapes]
    return X, y, params


def _loss(X, y, params):
    W1, b1, W2, b2 = params
    return F.cross_entropy(F.linear(F.relu(F.linear(X, W1, b1)), W2, b2), y)


def _record_backward_calls(monkeypatch, loss):
    """Wrap the backward of every op class in the graph; return the list it appends
    (node, returned gradients) to."""
    calls = []
    for cls in {type(node) for node in _collect_nodes([loss.grad_fn])}:
        original = cls.backward

        def recorded(ctx, grad_output, original=original):
            result = original(ctx, grad_output)
            calls.append((ctx, result if isinstance(result, tuple) else (result,), ctx.edges))
            return result

        monkeypatch.setattr(cls, "backward", staticmethod(recorded))
    return calls


@pytest.mark.parametrize("hidden", [2, 64])
def test_one_reverse_sweep_runs_each_node_backward_once(monkeypatch, hidden):
    X, y, params = _mlp(hidden)
    loss = _loss(X, y, params)
    nodes = _collect_nodes([loss.grad_fn])
    # Linear ReLU Linear CrossEntropy (the doc's §5 graph): the count does not depend on the width,
    # i.e. on how many parameters there are.
    assert [type(n).__name__ for n in reversed(nodes)] == ["Linear", "ReLU", "Linear", "CrossEntropy"]
    calls = _record_backward_calls(monkeypatch, loss)
    loss.backward()
    assert sorted(map(id, (ctx for ctx, _, _ in calls))) == sorted(map(id, nodes))  # each node exactly once
    assert all(p.grad is not None and p.grad.shape == p.shape for p in params)
    # The first layer multiplies the data batch, which needs no gradient: its GEMM is skipped,
    # while every parameter (and the hidden activation) gets one.
    for ctx, grads, edges in calls:  # edges as seen during backward (freed right after)
        if type(ctx).__name__ != "Linear":
            continue
        takes_data = edges[0] is None  # X needs no gradient, so it has no edge
        assert (grads[0] is None) == takes_data
        assert grads[1] is not None and grads[2] is not None


def test_backpropagation_through_time_examples_run():
    """The code in §9 (truncated BPTT) runs as written."""
    import pathlib
    import re

    doc = (pathlib.Path(__file__).parents[1] / "docs" / "backprop.md").read_text()
    section = doc[doc.index("## 9. Backpropagation through time") :]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "docs/backprop.md §9", "exec"), {})
