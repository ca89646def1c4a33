"""chainrule.gradcheck: it passes on correct ops, and - the property every op test leans on - it
FAILS on a wrong backward, with a message naming the input, the element and the relative error.

The deliberately wrong ops are written once and subclass either chainrule.Function or
torch.autograd.Function (the forward/backward bodies read the same in both), so torch's own
gradcheck confirms each verdict."""

import re

import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.functional as F
from chainrule.gradcheck import GradcheckResult, check_gradients


def make_ops(base):
    """Correct and deliberately wrong custom ops on top of ``base``, a Function class."""

    class Cube(base):
        """y = x^3, dy/dx = 3x^2."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x * x

    class MulForgetsToSwap(base):
        """y = a * b; the bug: dL/db is returned as g * b instead of g * a."""

        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad_output):
            a, b = ctx.saved_tensors
            return grad_output * b, grad_output * b

    class SinWithWrongSign(base):
        """y = sin x; the bug: dy/dx = -cos x."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin() if isinstance(x, torch.Tensor) else np.sin(x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return -grad_output * (x.cos() if isinstance(x, torch.Tensor) else np.cos(x))

    class DoubleWithoutGradient(base):
        """y = 2x; the bug: backward returns no gradient at all."""

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad_output):
            return None

    class SquareSlightlyOff(base):
        """y = x^2 with dy/dx = 2x (1 + 1e-5): a relative error of 1e-5, inside the default rtol."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 2 * x * (1 + 1e-5)

    return dict(
        cube=Cube,
        mul_forgets_to_swap=MulForgetsToSwap,
        sin_with_wrong_sign=SinWithWrongSign,
        double_without_gradient=DoubleWithoutGradient,
        square_slightly_off=SquareSlightlyOff,
    )


OURS = make_ops(cr.Function)
THEIRS = make_ops(torch.autograd.Function)


def float64(*shape, seed=0, low=0.5):
    """float64 values in [low, low + 1): away from zero, so relative errors are well defined."""
    return low + np.random.default_rng(seed).random(shape)


def ours(*arrays, requires_grad=True):
    return tuple(cr.tensor(a, requires_grad=requires_grad) for a in arrays)


def theirs(*arrays):
    return tuple(torch.tensor(a, requires_grad=True) for a in arrays)


def torch_verdict(op, *arrays):
    return torch.autograd.gradcheck(THEIRS[op].apply, theirs(*arrays), raise_exception=False)


# --------------------------------------------------------------------------------- correct ops
CORRECT = {
    "exp": (lambda x: x.exp(), [(2, 3)]),
    "tanh": (lambda x: x.tanh(), [(4,)]),
    "mul": (lambda x, y: x * y, [(2, 3), (2, 3)]),
    "broadcast add": (lambda x, y: x + y, [(2, 3), (3,)]),
    "div": (lambda x, y: x / y, [(3,), (3,)]),
    "matmul": (lambda x, y: x @ y, [(2, 3), (3, 4)]),
    "sum dim": (lambda x: x.sum(dim=1), [(2, 3)]),
    "mean": (lambda x: x.mean(), [(5,)]),
    "softmax": (lambda x: x.softmax(dim=-1), [(2, 4)]),
    "log_softmax": (lambda x: x.log_softmax(dim=0), [(3, 2)]),
    "reshape transpose": (lambda x: x.reshape(3, 2).T * 2, [(2, 3)]),
    "0-d": (lambda x: x * x, [()]),
}


@pytest.mark.parametrize("case", CORRECT, ids=CORRECT.keys())
def test_passes_on_correct_ops(case):
    fn, shapes = CORRECT[case]
    arrays = [float64(*shape, seed=k) for k, shape in enumerate(shapes)]
    assert cr.gradcheck(fn, ours(*arrays)) is True
    result = check_gradients(fn, ours(*arrays))
    assert isinstance(result, GradcheckResult) and result.passed and result.message == ""
    assert result.max_abs_error < 1e-6 and result.max_rel_error < 1e-6
    # torch agrees on the same function
    assert torch.autograd.gradcheck(fn, theirs(*arrays))


def test_passes_on_empty_inputs():
    # nothing to perturb; torch.autograd.gradcheck refuses such inputs, so no twin here
    (x,) = ours(float64(0, 3))
    assert cr.gradcheck(lambda x: x.exp(), (x,))


def test_passes_on_a_correct_custom_function_like_torch():
    x = float64(2, 3)
    assert cr.gradcheck(OURS["cube"].apply, ours(x))
    assert torch.autograd.gradcheck(THEIRS["cube"].apply, theirs(x))


def test_accepts_a_single_tensor_instead_of_a_tuple():
    (x,) = ours(float64(3))
    assert cr.gradcheck(OURS["cube"].apply, x)


def test_passes_non_tensor_and_integer_arguments_through():
    (x,) = ours(float64(2, 3))
    index = cr.tensor([[0, 2], [1, 1]])
    assert cr.gradcheck(lambda x, i: F.gather(x, 1, i), (x, index))
    assert cr.gradcheck(lambda x, dim: x.sum(dim=dim), (x, 0))


def test_several_outputs_are_all_checked():
    (x,) = ours(float64(3))
    assert cr.gradcheck(lambda x: (x.exp(), x * 2), (x,))
    with pytest.raises(cr.GradcheckError, match="input 0"):
        cr.gradcheck(lambda x: (x.exp(), OURS["sin_with_wrong_sign"].apply(x)), (x,))


def test_outputs_without_grad_are_ignored():
    (x,) = ours(float64(2, 3))
    assert cr.gradcheck(lambda x: (x.argmax(), x * 3), (x,))


# ----------------------------------------------------------------------------- wrong backwards
def test_fails_on_a_wrong_backward_and_names_input_element_and_relative_error():
    a = float64(2, 3)
    b = a.copy()
    b[1, 2] += 4.0  # where a == b the forgotten swap is harmless: only element (1, 2) is wrong
    with pytest.raises(cr.GradcheckError) as raised:
        cr.gradcheck(OURS["mul_forgets_to_swap"].apply, ours(a, b))
    message = str(raised.value)
    assert "input 1" in message and "input 0" not in message
    assert "shape (2, 3)" in message
    assert "element (1, 2)" in message
    # the gradient of L = sum(v * a * b) w.r.t. b is v * a; the op returned v * b, so the
    # relative error at (1, 2) is |b - a| / |a|, whatever the random weighting v
    expected_relative = abs(b[1, 2] - a[1, 2]) / abs(a[1, 2])
    reported = float(re.search(r"relative error ([0-9.e+-]+)", message).group(1))
    assert reported == pytest.approx(expected_relative, rel=1e-2)
    assert "1 of 6 elements outside atol=1e-05, rtol=0.001" in message
    assert not torch_verdict("mul_forgets_to_swap", a, b)


def test_the_reported_values_are_consistent():
    a = float64(2, 3)
    b = a + 1.0
    result = check_gradients(OURS["mul_forgets_to_swap"].apply, ours(a, b))
    assert not result.passed
    numerical, analytical = map(float, re.search(r"numerical (\S+) vs analytical (\S+) ", result.message).groups())
    abs_error = float(re.search(r"abs error (\S+),", result.message).group(1))
    assert abs(numerical - analytical) == pytest.approx(abs_error, rel=1e-2)
    assert result.max_abs_error == pytest.approx(abs_error, rel=1e-2)
    assert result.max_rel_error == pytest.approx(np.max(np.abs(b - a) / np.abs(a)), rel=1e-6)


def test_fails_on_a_sign_error():
    x = float64(2, 2)
    with pytest.raises(
        cr.GradcheckError,
        match=r"input 0 \(shape \(2, 2\)\) at element \(\d, \d\).*"
        r"relative error 2(\.0+)?;.*4 of 4 elements",
    ):
        cr.gradcheck(OURS["sin_with_wrong_sign"].apply, ours(x))
    assert not torch_verdict("sin_with_wrong_sign", x)


def test_fails_on_a_missing_gradient():
    x = float64(3)
    with pytest.raises(cr.GradcheckError, match=r"input 0 .*analytical 0 .*relative error 1;"):
        cr.gradcheck(OURS["double_without_gradient"].apply, ours(x))
    assert not torch_verdict("double_without_gradient", x)


def test_raise_exception_false_returns_false():
    a, b = float64(2), float64(2, seed=1)
    assert cr.gradcheck(OURS["mul_forgets_to_swap"].apply, ours(a, b), raise_exception=False) is False
    assert cr.gradcheck(OURS["cube"].apply, ours(a), raise_exception=False) is True


def test_gradcheck_error_is_an_assertion_error():
    # pytest shows it as a test failure, not as an error in the test's code
    assert issubclass(cr.GradcheckError, AssertionError)


def test_tolerances_decide_small_errors():
    x = float64(4)
    assert cr.gradcheck(OURS["square_slightly_off"].apply, ours(x))  # 1e-5 relative, rtol=1e-3
    assert torch.autograd.gradcheck(THEIRS["square_slightly_off"].apply, theirs(x))
    with pytest.raises(cr.GradcheckError, match="4 of 4 elements outside atol=1e-12, rtol=1e-07"):
        cr.gradcheck(OURS["square_slightly_off"].apply, ours(x), atol=1e-12, rtol=1e-7)
    assert not torch.autograd.gradcheck(
        THEIRS["square_slightly_off"].apply, theirs(x), atol=1e-12, rtol=1e-7, raise_exception=False
    )


def test_only_inputs_that_require_grad_are_checked():
    a = float64(2, 3)
    b = a + 1.0
    (x,) = ours(a)
    (y,) = ours(b, requires_grad=False)
    # the wrong gradient goes to b, which nobody asked about
    assert cr.gradcheck(OURS["mul_forgets_to_swap"].apply, (x, y))


def test_finds_the_wrong_element_of_a_non_contiguous_input():
    base_a = float64(3, 2)
    base_b = base_a.copy()
    base_b[0, 1] += 3.0  # element (1, 0) of the transposed views
    a, b = cr.from_numpy(base_a.T), cr.from_numpy(base_b.T)  # leaves that are transposed views
    a.requires_grad_(True)
    b.requires_grad_(True)
    assert not b.detach().numpy().flags.c_contiguous
    with pytest.raises(cr.GradcheckError, match=r"input 1 \(shape \(2, 3\)\) at element \(1, 0\)"):
        cr.gradcheck(OURS["mul_forgets_to_swap"].apply, (a, b))


def test_inputs_are_left_exactly_as_they_were():
    a, b = float64(2, 3), float64(2, 3, seed=1)
    x, y = ours(a, b)
    view = cr.from_numpy(b.T.copy().T)
    view.requires_grad_(True)
    cr.gradcheck(OURS["cube"].apply, (x,))
    cr.gradcheck(OURS["mul_forgets_to_swap"].apply, (x, y), raise_exception=False)
    cr.gradcheck(lambda v: v.exp(), (view,))
    np.testing.assert_array_equal(x.detach().numpy(), a)
    np.testing.assert_array_equal(y.detach().numpy(), b)
    np.testing.assert_array_equal(view.detach().numpy(), b)


# ------------------------------------------------------------------------------ refused inputs
def test_float32_inputs_are_refused():
    x = cr.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    with pytest.raises(
        TypeError,
        match=r"gradcheck: input 0 has dtype float32; numerical differentiation needs "
        r"float64 inputs",
    ):
        cr.gradcheck(lambda x: x * 2, (x,))


def test_the_refused_input_is_named():
    (x,) = ours(float64(3))
    y = cr.tensor(np.ones(3, dtype=np.float16), requires_grad=True)
    with pytest.raises(TypeError, match="gradcheck: input 1 has dtype float16"):
        cr.gradcheck(lambda x, y: x * y, (x, y))


def test_inputs_that_need_no_grad_are_refused():
    (x,) = ours(float64(3), requires_grad=False)
    with pytest.raises(
        ValueError, match="gradcheck: no input requires grad; pass tensors created with requires_grad=True"
    ):
        cr.gradcheck(lambda x: x * 2, (x,))
    with pytest.raises(ValueError, match="no input requires grad"):
        cr.gradcheck(lambda x: x * 2, (2.0,))
    with pytest.raises(ValueError, match="no input requires grad"):
        cr.gradcheck(lambda x: x, (np.ones(2),))
