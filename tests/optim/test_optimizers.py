"""Optimizers: parameters and state equal torch.optim's step for step.

Both frameworks start from the same float64 arrays and receive the same gradients, computed in
NumPy from the *current* parameters (so any divergence in the update feeds back and grows);
after 100 steps the parameters must agree to rtol 1e-6. Every case uses two parameter groups with
different learning rates and a parameter that only gets a gradient every other step (so skipping
``grad is None`` is tested too).
"""

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import optim

SHAPES = [(3, 4), (4,), (2, 3)]
_rng = np.random.default_rng(1234)
INITIAL = [_rng.standard_normal(s) for s in SHAPES]
CURVATURE = [_rng.uniform(0.5, 2.0, s) for s in SHAPES]
CENTER = [_rng.standard_normal(s) for s in SHAPES]


def objective_grads(arrays, step, sign=1.0):
    """Gradient of Σ c/2 (p - m)² + 0.3 Σ log cosh(p) + a step-dependent linear term.

    The step-dependent term keeps gradients from vanishing (which would make Adam-type updates
    ill-conditioned) and makes each step's gradient distinct. ``sign=-1`` gives the gradient of the
    negated objective, for maximize=True runs.
    """
    grads = []
    for i, p in enumerate(arrays):
        g = CURVATURE[i] * (p - CENTER[i]) + 0.3 * np.tanh(p) + 0.2 * np.cos(0.37 * step + i)
        grads.append(sign * g)
    return grads


def grads_for_step(step, sign, arrays):
    grads = objective_grads(arrays, step, sign)
    if step % 2 == 1:
        grads[2] = None  # the last parameter is skipped on odd steps
    return grads


CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.1)),
    ("Adagrad", dict(lr=0.1, eps=1e-6, maximize=True)),
]
CASE_IDS = [f"{name}-" + ",".join(f"{k}={v}" for k, v in kw.items()) for name, kw in CASES]


def make_groups(params, kwargs):
    # the second group gets a tenth of the learning rate
    return [{"params": params[:2]}, {"params": params[2:], "lr": kwargs["lr"] * 0.1}]


class Ours:
    def __init__(self, name, kwargs, arrays=None):
        arrays = INITIAL if arrays is None else arrays
        self.params = [cr.tensor(a.copy(), requires_grad=True) for a in arrays]
        self.opt = getattr(optim, name)(make_groups(self.params, kwargs), **kwargs)

    def arrays(self):
        return [p.detach().numpy() for p in self.params]

    def step(self, grads):
        for p, g in zip(self.params, grads):
            p.grad = None if g is None else cr.tensor(g.copy())
        self.opt.step()


class Theirs:
    def __init__(self, name, kwargs):
        self.params = [torch.tensor(a.copy(), requires_grad=True) for a in INITIAL]
        self.opt = getattr(torch.optim, name)(make_groups(self.params, kwargs), **kwargs)

    def arrays(self):
        return [p.detach().numpy() for p in self.params]

    def step(self, grads):
        for p, g in zip(self.params, grads):
            p.grad = None if g is None else torch.from_numpy(g.copy())
        self.opt.step()


def run(model, steps, sign, start=0):
    for step in range(start, start + steps):
        model.step(grads_for_step(step, sign, model.arrays()))


@pytest.mark.parametrize("name,kwargs", CASES, ids=CASE_IDS)
def test_matches_torch_after_100_steps(name, kwargs):
    sign = -1.0 if kwargs.get("maximize") else 1.0
    ours, theirs = Ours(name, kwargs), Theirs(name, kwargs)
    run(ours, 100, sign)
    run(theirs, 100, sign)
    for i, (a, b) in enumerate(zip(ours.arrays(), theirs.arrays())):
        assert not np.allclose(a, INITIAL[i]), f"parameter {i} did not move"
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-10, err_msg=f"parameter {i} differs from torch")

    # the state holds the same buffers, under torch's keys and indices
    ours_sd, theirs_sd = ours.opt.state_dict(), theirs.opt.state_dict()
    assert set(ours_sd["state"]) == set(theirs_sd["state"])
    for index, theirs_state in theirs_sd["state"].items():
        ours_state = ours_sd["state"][index]
        assert set(ours_state) == set(theirs_state), f"state keys of parameter {index}"
        for key, value in theirs_state.items():
            if key == "step":
                assert ours_state[key] == int(value.item())
            else:
                assert isinstance(ours_state[key], np.ndarray)
                np.testing.assert_allclose(ours_state[key], value.numpy(), rtol=1e-6, atol=1e-10, err_msg=key)
    for ours_group, theirs_group in zip(ours_sd["param_groups"], theirs_sd["param_groups"]):
        for key, value in ours_group.items():
            assert key in theirs_group, f"group key {key} unknown to torch"
            assert value == theirs_group[key], f"group value {key}"


@pytest.mark.parametrize("name,kwargs", CASES, ids=CASE_IDS)
def test_state_dict_round_trip(name, kwargs):
    sign = -1.0 if kwargs.get("maximize") else 1.0
    straight = Ours(name, kwargs)
    run(straight, 100, sign)

    first = Ours(name, kwargs)
    run(first, 50, sign)
    saved = first.opt.state_dict()
    arrays_at_50 = [a.copy() for a in first.arrays()]
    snapshot = {i: {k: np.array(v, copy=True) for k, v in s.items()} for i, s in saved["state"].items()}
    run(first, 5, sign, start=50)  # stepping on must not change the saved dict
    for i, s in saved["state"].items():
        for k, v in s.items():
            np.testing.assert_array_equal(v, snapshot[i][k], err_msg=f"saved state {i}/{k} was mutated")

    resumed = Ours(name, kwargs, arrays=arrays_at_50)
    resumed.opt.load_state_dict(saved)
    run(resumed, 50, sign, start=50)
    for a, b in zip(resumed.arrays(), straight.arrays()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_step_leaves_grad_untouched_and_updates_data_in_place(name):
    p = cr.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    kwargs = dict(lr=0.1, weight_decay=0.1, maximize=True)
    if name == "SGD":
        kwargs["momentum"] = 0.9
    opt = getattr(optim, name)([p], **kwargs)
    data_before = p.detach().numpy()
    alias = p.detach()  # shares the array, like a view held elsewhere
    grad = np.arange(6.0).reshape(2, 3)
    p.grad = cr.tensor(grad.copy())
    opt.step()
    np.testing.assert_array_equal(p.grad.detach().numpy(), grad)
    assert p.detach().numpy() is data_before
    np.testing.assert_array_equal(alias.detach().numpy(), p.detach().numpy())


def test_plain_sgd_is_one_in_place_step():
    p = cr.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    array = p.detach().numpy()
    p.grad = cr.tensor(np.array([2.0, 2.0, -2.0]))
    opt.step()
    assert p.detach().numpy() is array
    np.testing.assert_array_equal(p.detach().numpy(), [0.0, 1.0, 4.0])
    assert len(opt.state) == 0  # no momentum buffer without momentum


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_float32_parameters_stay_float32(name):
    arrays = [a.astype(np.float32) for a in INITIAL]
    kwargs = dict(lr=0.01, momentum=0.9) if name in ("SGD", "RMSprop") else dict(lr=0.01)
    ours = Ours(name, kwargs, arrays=arrays)
    params = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = getattr(torch.optim, name)(make_groups(params, kwargs), **kwargs)
    for step in range(20):
        grads = [g.astype(np.float32) if g is not None else None for g in grads_for_step(step, 1.0, ours.arrays())]
        ours.step(grads)
        for p, g in zip(params, grads):
            p.grad = None if g is None else torch.from_numpy(g.copy())
        theirs.step()
    for p, q in zip(ours.params, params):
        assert p.dtype == np.float32
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-4, atol=1e-5)
    for state in ours.opt.state.values():
        for value in state.values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32


def test_matches_torch_with_autograd_gradients():
    """The training-loop shape: gradients come from each framework's own backward pass."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 5)), rng.standard_normal((16, 2))
    w0, b0 = rng.standard_normal((5, 2)), rng.standard_normal(2)
    ours = [cr.tensor(w0.copy(), requires_grad=True), cr.tensor(b0.copy(), requires_grad=True)]
    theirs = [torch.tensor(w0.copy(), requires_grad=True), torch.tensor(b0.copy(), requires_grad=True)]
    ours_opt = optim.Adam(ours, lr=0.05, weight_decay=0.01)
    theirs_opt = torch.optim.Adam(theirs, lr=0.05, weight_decay=0.01)
    xo, yo, xt, yt = cr.tensor(x), cr.tensor(y), torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(100):
        ours_opt.zero_grad()
        loss = ((xo @ ours[0] + ours[1] - yo) ** 2).mean()
        loss.backward()
        ours_opt.step()
        theirs_opt.zero_grad()
        ((xt @ theirs[0] + theirs[1] - yt) ** 2).mean().backward()
        theirs_opt.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6)


def test_closure_is_evaluated_with_grad_enabled():
    p = cr.tensor(np.array([3.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with cr.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_array_equal(p.detach().numpy(), [1.5])  # 3 - 0.25 * 6


def test_zero_grad():
    p = cr.tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = cr.tensor(np.full(3, 2.0))
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad
    np.testing.assert_array_equal(p.grad.detach().numpy(), 0.0)
    opt.zero_grad()
    assert p.grad is None


def test_param_groups_defaults_and_add_param_group():
    a, b, c = (cr.tensor(np.zeros(2), requires_grad=True) for _ in range(3))
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0.9
    assert opt.param_groups[1]["params"][0] is b
    opt.add_param_group({"params": [c], "weight_decay": 0.01})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["weight_decay"] == 0.01
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.warns(UserWarning, match="duplicate"):
        optim.SGD([a, a], lr=0.1)


def test_adagrad_state_exists_from_construction():
    # as in torch: Adagrad creates its accumulators eagerly, so they are in the state dict at once
    p = cr.tensor(np.zeros(3), requires_grad=True)
    opt = optim.Adagrad([p], initial_accumulator_value=0.5)
    sd = opt.state_dict()
    assert sd["state"][0]["step"] == 0
    np.testing.assert_array_equal(sd["state"][0]["sum"], 0.5)


def test_load_state_dict_casts_buffers_to_parameter_dtype():
    p64 = cr.tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([p64])
    p64.grad = cr.tensor(np.ones(3))
    opt.step()
    p32 = cr.tensor(np.ones(3, np.float32), requires_grad=True)
    opt32 = optim.Adam([p32])
    opt32.load_state_dict(opt.state_dict())
    assert opt32.state[p32]["exp_avg"].dtype == np.float32
    assert opt32.state[p32]["step"] == 1


def test_load_state_dict_rejects_mismatched_layout():
    a, b = cr.tensor(np.zeros(2), requires_grad=True), cr.tensor(np.zeros(2), requires_grad=True)
    saved = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="SGD.load_state_dict: parameter group 0 has 2 parameters"):
        optim.SGD([a], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="loaded state dict has 1 parameter groups, the optimizer has 2"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(saved)


def _param():
    return [cr.tensor(np.zeros(2), requires_grad=True)]


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: optim.SGD(_param(), lr=-0.1), r"^SGD: invalid learning rate: -0\.1"),
        (lambda: optim.SGD(_param(), momentum=-0.5), r"^SGD: invalid momentum value: -0\.5"),
        (lambda: optim.SGD(_param(), weight_decay=-1), r"^SGD: invalid weight_decay value: -1"),
        (lambda: optim.SGD(_param(), nesterov=True), r"^SGD: Nesterov momentum requires a momentum > 0"),
        (lambda: optim.SGD(_param(), momentum=0.9, dampening=0.1, nesterov=True), r"zero dampening.*dampening=0\.1"),
        (lambda: optim.Adam(_param(), betas=(1.5, 0.9)), r"^Adam: invalid beta parameter at index 0: 1\.5"),
        (lambda: optim.Adam(_param(), betas=(0.9, 1.0)), r"^Adam: invalid beta parameter at index 1: 1\.0"),
        (lambda: optim.Adam(_param(), betas=(-0.1, 0.9)), r"^Adam: invalid beta parameter at index 0: -0\.1"),
        (lambda: optim.Adam(_param(), eps=-1e-8), r"^Adam: invalid epsilon value"),
        (lambda: optim.AdamW(_param(), lr=-1.0), r"^AdamW: invalid learning rate: -1\.0"),
        (lambda: optim.AdamW(_param(), betas=(0.9, 2.0)), r"^AdamW: invalid beta parameter at index 1: 2\.0"),
        (lambda: optim.RMSprop(_param(), alpha=-0.1), r"^RMSprop: invalid alpha value: -0\.1"),
        (lambda: optim.RMSprop(_param(), momentum=-1), r"^RMSprop: invalid momentum value: -1"),
        (lambda: optim.Adagrad(_param(), lr_decay=-1), r"^Adagrad: invalid lr_decay value: -1"),
        (lambda: optim.Adagrad(_param(), initial_accumulator_value=-1), r"^Adagrad: invalid initial_accumulator_value"),
        (lambda: optim.SGD([], lr=0.1), r"^SGD: got an empty parameter list"),
    ],
)
def test_invalid_hyperparameters_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_invalid_params_raise():
    p = cr.tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors, but one of the params is ndarray"):
        optim.Adam([np.zeros(2)])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="Adam: learning rate must be a real number, got str"):
        optim.Adam([p], lr="0.1")


def test_adamw_split_between_two_threads_is_bit_identical_to_one_thread(monkeypatch):
    """Above ~1 M parameters and with BLAS allowed two threads, run_updates hands about half of
    the arrays to a helper thread; every element's arithmetic stays the same."""
    import chainrule.optim.optimizer as optimizer_module

    rng = np.random.default_rng(0)
    shapes = [(1024, 700), (300, 300), (1000,), (7,), (512, 512)]

    def run(threads):
        monkeypatch.setattr(optimizer_module, "_threads_allowed", lambda: threads)
        params = [cr.tensor(rng_values, requires_grad=True) for rng_values in values]
        opt = cr.optim.AdamW(params, lr=1e-2, weight_decay=0.1, amsgrad=True)
        for step in range(3):
            for p, g in zip(params, grads[step]):
                p.grad = cr.tensor(g)
            opt.step()
        return [p.detach().numpy().copy() for p in params]

    values = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(3)]
    calls = []
    real_pool = optimizer_module._pool
    monkeypatch.setattr(optimizer_module, "_pool", lambda: calls.append(1) or real_pool())
    split = run(2)
    assert calls, "the split path did not run"
    calls.clear()
    serial = run(1)
    assert not calls
    for a, b in zip(split, serial):
        np.testing.assert_array_equal(a, b)


def test_an_error_in_the_helper_thread_reaches_the_caller(monkeypatch):
    import chainrule.optim.optimizer as optimizer_module

    monkeypatch.setattr(optimizer_module, "_threads_allowed", lambda: 2)
    seen = []

    def update(data, grad, state, group):
        seen.append(data.size)
        if data.size == 10:
            raise FloatingPointError("update: bad value in the small array")

    updates = [(np.zeros(1 << 20), None, {}), (np.zeros(10), None, {})]
    with pytest.raises(FloatingPointError, match="small array"):
        optimizer_module.run_updates(update, updates, {})
    assert sorted(seen) == [10, 1 << 20]  # both halves ran
