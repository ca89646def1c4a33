"""Learning-rate schedulers: the lr sequence equals torch.optim.lr_scheduler's, step for step.

Each test builds an SGD optimizer with two parameter groups (lr 0.1 and 0.02) in both frameworks,
attaches the same scheduler, and records every group's lr after construction and after each of
50 ``optimizer.step(); scheduler.step()`` rounds.
"""

import math
import warnings

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import optim
from chainrule.optim import lr_scheduler

LRS = (0.1, 0.02)
STEPS = 50


def ours_optimizer():
    params = [cr.tensor(np.zeros(2), requires_grad=True) for _ in LRS]
    return optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)], lr=LRS[0], momentum=0.9)


def theirs_optimizer():
    params = [torch.zeros(2, requires_grad=True) for _ in LRS]
    return torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)], lr=LRS[0], momentum=0.9)


def lr_sequence(optimizer, scheduler, steps=STEPS, metrics=None):
    """Group lrs after construction and after each step; also checks get_last_lr agrees."""
    sequence = [[g["lr"] for g in optimizer.param_groups]]
    for i in range(steps):
        optimizer.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[i])
        lrs = [g["lr"] for g in optimizer.param_groups]
        assert list(scheduler.get_last_lr()) == lrs
        sequence.append(lrs)
    return np.array(sequence)


def decay(e):
    return 0.95**e


def bump(e):
    return 1.0 / (1 + 0.1 * e)


SCHEDULERS = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[5, 12, 12, 30], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=50)),
    ("CosineAnnealingLR", dict(T_max=15, eta_min=0.001)),  # runs past T_max: the restart branch
    ("LambdaLR", dict(lr_lambda=decay)),
    ("LambdaLR", dict(lr_lambda=[decay, bump])),
    ("LinearLR", dict(start_factor=0.25, total_iters=10)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=30)),
    ("LinearLR", dict()),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(SCHEDULERS)]


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=IDS)
def test_lr_sequence_matches_torch(name, kwargs):
    opt, topt = ours_optimizer(), theirs_optimizer()
    ours = lr_sequence(opt, getattr(lr_scheduler, name)(opt, **kwargs))
    theirs = lr_sequence(topt, getattr(torch.optim.lr_scheduler, name)(topt, **kwargs))
    assert len(np.unique(ours[:, 0])) > 2, "the schedule never changed the lr"
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    assert [g["initial_lr"] for g in opt.param_groups] == list(LRS)


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=IDS)
def test_state_dict_round_trip(name, kwargs):
    opt = ours_optimizer()
    straight = lr_sequence(opt, getattr(lr_scheduler, name)(opt, **kwargs))

    opt = ours_optimizer()
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    first = lr_sequence(opt, sched, steps=20)
    opt_state, sched_state = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in sched_state

    resumed_opt = ours_optimizer()
    resumed = getattr(lr_scheduler, name)(resumed_opt, **kwargs)
    resumed_opt.load_state_dict(opt_state)
    resumed.load_state_dict(sched_state)
    rest = lr_sequence(resumed_opt, resumed, steps=STEPS - 20)
    np.testing.assert_array_equal(np.concatenate([first, rest[1:]]), straight)


def test_resume_with_last_epoch_matches_torch():
    results = []
    for make_opt, module in ((ours_optimizer, lr_scheduler), (theirs_optimizer, torch.optim.lr_scheduler)):
        opt = make_opt()
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"]
        sched = module.CosineAnnealingLR(opt, T_max=20, last_epoch=9)
        results.append(lr_sequence(opt, sched, steps=15))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_chained_schedulers_compose_like_torch():
    opt, topt = ours_optimizer(), theirs_optimizer()
    ours = [lr_scheduler.ExponentialLR(opt, gamma=0.97), lr_scheduler.MultiStepLR(opt, milestones=[10, 25], gamma=0.5)]
    theirs = [
        torch.optim.lr_scheduler.ExponentialLR(topt, gamma=0.97),
        torch.optim.lr_scheduler.MultiStepLR(topt, milestones=[10, 25], gamma=0.5),
    ]
    for _ in range(STEPS):
        opt.step()
        topt.step()
        for a, b in zip(ours, theirs):
            a.step()
            b.step()
        np.testing.assert_allclose(
            [g["lr"] for g in opt.param_groups], [g["lr"] for g in topt.param_groups], rtol=1e-12
        )


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("StepLR", dict(step_size=4, gamma=0.5)),
        ("MultiStepLR", dict(milestones=[3, 8])),
        ("ExponentialLR", dict(gamma=0.9)),
        ("CosineAnnealingLR", dict(T_max=10, eta_min=0.01)),
        ("LinearLR", dict(start_factor=0.5, total_iters=6)),
    ],
)
def test_step_with_epoch_uses_closed_form_like_torch(name, kwargs):
    opt, topt = ours_optimizer(), theirs_optimizer()
    ours = getattr(lr_scheduler, name)(opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    for epoch in (3, 9, 4, 12):
        with pytest.warns(UserWarning, match="deprecated"):
            ours.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.step(epoch)
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
        assert ours.last_epoch == epoch


def hf_linear_warmup(step, warmup, total):
    """transformers.get_linear_schedule_with_warmup's factor, written out."""
    if step < warmup:
        return step / max(1, warmup)
    return max(0.0, (total - step) / max(1, total - warmup))


@pytest.mark.parametrize("warmup,total", [(10, 40), (0, 30), (5, 5)])
def test_linear_schedule_with_warmup_closed_form(warmup, total):
    opt = ours_optimizer()
    sched = optim.get_linear_schedule_with_warmup(opt, num_warmup_steps=warmup, num_training_steps=total)
    assert isinstance(sched, lr_scheduler.LambdaLR)
    got = lr_sequence(opt, sched)
    expected = np.array([[lr * hf_linear_warmup(t, warmup, total) for lr in LRS] for t in range(STEPS + 1)])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    if 0 < warmup < total:
        assert got[warmup, 0] == pytest.approx(LRS[0])  # peak at the end of warm-up
    assert got[-1, 0] == 0.0

    # and it equals torch's LambdaLR driven by the same factor
    topt = theirs_optimizer()
    theirs = lr_sequence(topt, torch.optim.lr_scheduler.LambdaLR(topt, lambda t: hf_linear_warmup(t, warmup, total)))
    np.testing.assert_allclose(got, theirs, rtol=1e-12, atol=1e-15)


def test_linear_schedule_with_warmup_round_trip():
    opt = ours_optimizer()
    straight = lr_sequence(opt, optim.get_linear_schedule_with_warmup(opt, 8, 40))
    opt = ours_optimizer()
    sched = optim.get_linear_schedule_with_warmup(opt, 8, 40)
    first = lr_sequence(opt, sched, steps=20)
    state, opt_state = sched.state_dict(), opt.state_dict()
    opt2 = ours_optimizer()
    sched2 = optim.get_linear_schedule_with_warmup(opt2, 8, 40)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(state)
    rest = lr_sequence(opt2, sched2, steps=STEPS - 20)
    np.testing.assert_array_equal(np.concatenate([first, rest[1:]]), straight)


def test_lambda_lr_saves_callable_object_state():
    class Factor:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate**epoch

    opt = ours_optimizer()
    sched = lr_scheduler.LambdaLR(opt, [Factor(), decay])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.5}, None]
    other = lr_scheduler.LambdaLR(ours_optimizer(), [Factor(), decay])
    other.lr_lambdas[0].rate = 0.1
    other.load_state_dict(state)
    assert other.lr_lambdas[0].rate == 0.5


# ------------------------------------------------------------------ ReduceLROnPlateau
_rng = np.random.default_rng(7)
PLATEAU_METRIC = np.concatenate([np.linspace(2.0, 1.0, 10), 1.0 + 0.01 * _rng.standard_normal(40)])
RISING_METRIC = np.concatenate([np.linspace(0.5, 0.9, 12), 0.9 + 0.02 * _rng.standard_normal(38)])

PLATEAU_CASES = [
    (dict(), PLATEAU_METRIC),
    (dict(patience=3, factor=0.5), PLATEAU_METRIC),
    (dict(patience=2, factor=0.5, cooldown=3, min_lr=[0.01, 0.001]), PLATEAU_METRIC),
    (dict(patience=2, threshold=0.05, threshold_mode="abs", min_lr=0.004), PLATEAU_METRIC),
    (dict(mode="max", patience=1, factor=0.7), RISING_METRIC),
    (dict(mode="max", patience=2, threshold=0.01, threshold_mode="abs", cooldown=1, eps=1e-3), RISING_METRIC),
]


@pytest.mark.parametrize("kwargs,metric", PLATEAU_CASES, ids=[str(k) for k, _ in PLATEAU_CASES])
def test_reduce_lr_on_plateau_matches_torch(kwargs, metric):
    opt, topt = ours_optimizer(), theirs_optimizer()
    ours_sched = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    ours = lr_sequence(opt, ours_sched, metrics=metric)
    theirs = lr_sequence(topt, torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs), metrics=metric)
    assert ours[-1, 0] < LRS[0], "the lr was never reduced"
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("kwargs,metric", PLATEAU_CASES[1:3], ids=["patience3", "cooldown"])
def test_reduce_lr_on_plateau_round_trip(kwargs, metric):
    opt = ours_optimizer()
    straight = lr_sequence(opt, lr_scheduler.ReduceLROnPlateau(opt, **kwargs), metrics=metric)
    opt = ours_optimizer()
    sched = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    first = lr_sequence(opt, sched, steps=20, metrics=metric)
    state, opt_state = sched.state_dict(), opt.state_dict()
    opt2 = ours_optimizer()
    sched2 = lr_scheduler.ReduceLROnPlateau(opt2, **kwargs)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(state)
    rest = lr_sequence(opt2, sched2, steps=STEPS - 20, metrics=metric[20:])
    np.testing.assert_array_equal(np.concatenate([first, rest[1:]]), straight)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "make,error,message",
    [
        (
            lambda o: lr_scheduler.LinearLR(o, start_factor=0),
            ValueError,
            r"LinearLR: start_factor must be in \(0, 1\], got 0",
        ),
        (lambda o: lr_scheduler.LinearLR(o, end_factor=1.5), ValueError, r"LinearLR: end_factor .* got 1\.5"),
        (
            lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0),
            ValueError,
            r"ReduceLROnPlateau: factor should be < 1\.0",
        ),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="avg"), ValueError, r"mode 'avg' is unknown"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError, r"threshold mode 'pct'"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, r"expected 2 min_lrs"),
        (lambda o: lr_scheduler.LambdaLR(o, [decay]), ValueError, r"LambdaLR: expected 2 lr_lambdas"),
        (lambda o: lr_scheduler.StepLR(o, step_size=0), ValueError, r"StepLR: step_size must be a positive integer"),
        (lambda o: lr_scheduler.StepLR(o, step_size=3, last_epoch=4), KeyError, r"initial_lr"),
        (lambda o: lr_scheduler.StepLR(object(), step_size=3), TypeError, r"StepLR: object is not an Optimizer"),
    ],
)
def test_invalid_arguments_raise(make, error, message):
    with pytest.raises(error, match=message):
        make(ours_optimizer())


def test_cosine_closed_form_agrees_with_recursion_until_t_max():
    opt = ours_optimizer()
    got = lr_sequence(opt, lr_scheduler.CosineAnnealingLR(opt, T_max=30, eta_min=0.005), steps=30)
    expected = [[0.005 + (lr - 0.005) * (1 + math.cos(math.pi * t / 30)) / 2 for lr in LRS] for t in range(31)]
    np.testing.assert_allclose(got, expected, rtol=1e-10)
