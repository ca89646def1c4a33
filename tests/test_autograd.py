import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.functional as F


def test_long_chain_backpropagates_iteratively():
    # 100,000 ops: a recursive topological sort would overflow Python's stack.
    x = cr.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.sum().backward()
    assert x.grad.detach().numpy()[0] == pytest.approx(1.0)


def test_gradients_accumulate_across_backward_calls():
    x = cr.tensor([2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * 2 * x.detach().numpy())


def test_shared_subexpression_accumulates_within_one_backward():
    x = cr.tensor([1.5], requires_grad=True, dtype=cr.float64)
    y = x * x
    z = y * y + y  # x^4 + x^2
    z.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 4 * 1.5**3 + 2 * 1.5)


def test_graph_is_freed_and_second_backward_raises():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.detach().numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * first)


def test_no_grad_records_nothing_and_enable_grad_restores():
    x = cr.tensor([1.0], requires_grad=True)
    with cr.no_grad():
        y = x * 2
        with cr.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None

    @cr.no_grad()
    def f(t):
        return t * 3

    assert not f(x).requires_grad


def test_backward_errors_are_clear():
    x = cr.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x * 2).sum().backward()
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar outputs"):
        (w * 2).backward()
    with pytest.raises(RuntimeError, match="shape"):
        (w * 2).backward(cr.ones(3))
    with pytest.raises(RuntimeError, match="floating point"):
        cr.tensor([1, 2], requires_grad=True)


def test_non_scalar_backward_with_gradient_matches_torch():
    a = np.random.default_rng(0).standard_normal((3, 4))
    g = np.random.default_rng(1).standard_normal((3, 4))
    x = cr.tensor(a, requires_grad=True)
    (x.tanh() * x).backward(cr.tensor(g))
    t = torch.tensor(a, requires_grad=True)
    (t.tanh() * t).backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.detach().numpy(), t.grad.numpy(), rtol=1e-12)


def test_hooks_see_and_replace_gradients():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.detach().numpy().copy()))
    y = x * 3
    handle = y.register_hook(lambda g: g * 2)
    y.sum().backward()
    np.testing.assert_allclose(seen[0], [6.0, 6.0])
    np.testing.assert_allclose(x.grad.detach().numpy(), [6.0, 6.0])
    handle.remove()
    x.grad = None
    y2 = x * 3
    y2.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [3.0, 3.0])


def test_retain_grad_keeps_non_leaf_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    (y * 3).sum().backward()
    np.testing.assert_allclose(y.grad.detach().numpy(), [3.0, 3.0])
    z = x * 2
    (z * 1).sum().backward()
    assert z.grad is None  # not retained: only leaves keep .grad


def test_leaf_gradients_are_not_aliased():
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    b = cr.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.data *= 10  # an in-place change to one .grad must not leak into the other
    np.testing.assert_allclose(b.grad.detach().numpy(), [1.0, 1.0])


def test_detect_anomaly_names_the_op():
    x = cr.tensor([-1.0, 1.0], requires_grad=True)
    with cr.detect_anomaly():
        with pytest.raises(RuntimeError, match="Log.forward produced NaN"):
            x.log()
        y = x.sqrt() if False else (x * 0).sqrt()  # sqrt(0) forward is fine, backward divides by 0
        with pytest.raises(RuntimeError, match="Sqrt.backward produced Inf"):
            y.sum().backward()
    x.log()  # outside the context nothing is checked


def test_autograd_grad_returns_without_touching_dot_grad():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (gx,) = cr.autograd.grad((x * x).sum(), [x])
    np.testing.assert_allclose(gx.detach().numpy(), [2.0, 4.0])
    assert x.grad is None


def test_detach_cuts_the_graph():
    x = cr.tensor([1.0], requires_grad=True)
    y = (x * 2).detach() * x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [2.0])


def test_custom_function_and_gradcheck_report():
    class Cube(cr.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x * x

    class WrongCube(Cube):
        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 2 * x * x

    x = cr.tensor(np.linspace(0.5, 2.0, 5), requires_grad=True)
    assert cr.gradcheck(Cube.apply, (x,))
    with pytest.raises(cr.GradcheckError, match=r"input 0 .*numerical .* vs analytical .*relative error"):
        cr.gradcheck(WrongCube.apply, (x,))
    assert cr.gradcheck(WrongCube.apply, (x,), raise_exception=False) is False
    with pytest.raises(TypeError, match="float64"):
        cr.gradcheck(Cube.apply, (cr.tensor([1.0], requires_grad=True),))


def test_mlp_gradients_equal_closed_form_of_docs():
    """docs/backprop.md derives, for h = relu(X W1^T + b1), z = h W2^T + b2, L = CE(z, y):
    dZ = (softmax(z) - Y)/N, dW2 = dZ^T h, db2 = sum dZ, dH = dZ W2, dA = dH * [a > 0],
    dW1 = dA^T X, db1 = sum dA."""
    rng = np.random.default_rng(0)
    N, D, H, C = 8, 5, 7, 3
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    W1, b1 = rng.standard_normal((H, D)), rng.standard_normal(H)
    W2, b2 = rng.standard_normal((C, H)), rng.standard_normal(C)
    params = [cr.tensor(p, requires_grad=True) for p in (W1, b1, W2, b2)]
    a = F.linear(cr.tensor(X), params[0], params[1])
    z = F.linear(F.relu(a), params[2], params[3])
    F.cross_entropy(z, cr.tensor(y)).backward()

    A = X @ W1.T + b1
    Hid = np.maximum(A, 0)
    Z = Hid @ W2.T + b2
    P = np.exp(Z - Z.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    Y = np.eye(C)[y]
    dZ = (P - Y) / N
    dW2, db2 = dZ.T @ Hid, dZ.sum(0)
    dA = (dZ @ W2) * (A > 0)
    dW1, db1 = dA.T @ X, dA.sum(0)
    for p, expected in zip(params, (dW1, db1, dW2, db2)):
        np.testing.assert_allclose(p.grad.detach().numpy(), expected, rtol=1e-10, atol=1e-12)


def test_backward_releases_activations_even_if_the_loss_is_kept():
    import gc
    import weakref

    w = cr.tensor(np.ones((3, 3)), requires_grad=True)
    hidden = (w * 2).tanh()
    probe = weakref.ref(hidden)
    loss = (hidden * 3).sum()
    del hidden
    kept = [loss]  # e.g. a training loop that stores its losses
    loss.backward()
    gc.collect()
    assert probe() is None, "the graph still holds the intermediate activation after backward"
    assert kept[0].item() == pytest.approx(9 * 3 * np.tanh(2.0))


# ------------------------------------------------------ slice gradients share one buffer
# GetItem.accumulate_backward lets the engine add each slice's gradient into one buffer per
# input instead of summing a zero-filled input-sized array per slice (O(T * size) for unbind).


def _slice_graphs(lib, x, w):
    """Graphs where slices of one tensor meet other consumers in either order, some slices
    unused, advanced indices repeating, through an intermediate node and a leaf."""
    h = x * 2.0  # an intermediate node: its gradient buffer lives on the node
    pieces = h.unbind(1)
    first = sum((k + 1.0) * p.sum() for k, p in enumerate(pieces[::2]))  # odd slices unused
    shared = (h + w).sum()  # add hands the same gradient array to h and to w
    chunks = sum(c.pow(2).sum() for c in x.chunk(3, dim=0))  # straight into the leaf
    loop = sum(x[t].sum() * t for t in range(x.shape[0]))
    repeated = x[lib.tensor([0, 0, 2])].sum() + x[:, 1].sum()
    return [first + shared + chunks + loop + repeated, shared + first, repeated + shared * 3.0]


@pytest.mark.parametrize("graph", range(3))
def test_slice_gradients_accumulate_like_torch(graph):
    rng = np.random.default_rng(graph)
    x_np, w_np = rng.standard_normal((4, 5, 3)), rng.standard_normal((4, 5, 3))
    results = []
    for lib in (cr, torch):
        x = lib.tensor(x_np, requires_grad=True)
        w = lib.tensor(w_np, requires_grad=True)
        _slice_graphs(lib, x, w)[graph].backward()
        results.append((x.grad.detach().numpy(), w.grad.detach().numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_slice_gradients_do_not_write_into_a_shared_gradient():
    # h's first gradient is the very array add also gives to w: adding slices into it in place
    # would corrupt w.grad, so the engine copies a gradient it did not allocate before adding.
    h_np = np.arange(6.0).reshape(2, 3)
    results = []
    for lib in (cr, torch):
        h = lib.tensor(h_np, requires_grad=True)
        w = lib.tensor(np.ones((2, 3)), requires_grad=True)
        y = h * 1.0
        loss = (y + w).sum() + sum(p.sum() * 10.0 for p in y.unbind(0))
        loss.backward()
        results.append((h.grad.numpy(), w.grad.numpy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_unbind_backward_adds_slices_into_one_buffer(monkeypatch):
    # The cost check: GetItem.backward allocates a whole input-sized array, so the engine must
    # not call it once per slice; every slice goes through accumulate_backward instead.
    from chainrule.ops.shape import GetItem

    calls = {"backward": 0, "accumulate": 0}
    backward, accumulate = GetItem.backward, GetItem.accumulate_backward

    def counted_backward(ctx, grad_output):
        calls["backward"] += 1
        return backward(ctx, grad_output)

    def counted_accumulate(ctx, grad_output, grad_input):
        calls["accumulate"] += 1
        accumulate(ctx, grad_output, grad_input)

    monkeypatch.setattr(GetItem, "backward", staticmethod(counted_backward))
    monkeypatch.setattr(GetItem, "accumulate_backward", staticmethod(counted_accumulate))
    x = cr.randn(4, 50, 3, requires_grad=True)
    sum(p.sum() for p in x.unbind(1)).backward()
    assert calls == {"backward": 0, "accumulate": 50}
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((4, 50, 3), np.float32))


def test_slice_gradients_survive_retain_graph_and_hooks():
    x = cr.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    y = x * 1.0
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    loss = sum((t + 1.0) * p.sum() for t, p in enumerate(y.unbind(0)))
    loss.backward(retain_graph=True)
    loss.backward()
    expected = np.repeat(np.arange(1.0, 4.0)[:, None], 2, axis=1)
    np.testing.assert_array_equal(seen[0], expected)
    np.testing.assert_array_equal(seen[1], expected)
    np.testing.assert_array_equal(x.grad.numpy(), 2 * expected)
