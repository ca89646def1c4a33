"""PyTorch's dtype errors, side by side: integer or bool tensors given to floating-only functions,
and matrix products of two different dtypes (which PyTorch never promotes).

Every case is written once against ``lib`` (``torch`` or ``chainrule``, which share the names used
here). Where torch raises, chainrule must raise exactly the same exception class (torch's
"not implemented for 'Long'" is a NotImplementedError, itself a RuntimeError; its dtype mismatches
are RuntimeError) with a message in chainrule's style, "op: what was wrong, got X; expected Y",
naming the op and the offending dtypes. The ``ALLOWED`` cases pin the other side of each rule:
what torch accepts (one floating operand of a loss, int matmul, exp of an int) must keep working.
"""

import numpy as np
import pytest
import torch

import chainrule as cr


def F(lib):
    return lib.nn.functional


def long2x3(lib):
    return lib.tensor([[1, 2, 3], [4, 5, 6]])


def bool2x3(lib):
    return long2x3(lib) > 2


def f32(lib, *shape):
    return lib.ones(*shape) * 0.5


def f64(lib, *shape):
    return lib.ones(*shape, dtype=lib.float64) * 0.5


def labels(lib):
    return lib.tensor([0, 2])


# name -> (case, op named in the message, dtypes named in the message)
RAISES = {
    # class-index losses on integer logits / log-probabilities
    "cross_entropy_long_input": (
        lambda lib: F(lib).cross_entropy(long2x3(lib), labels(lib)),
        "cross_entropy",
        ["int64"],
    ),
    "cross_entropy_bool_input": (
        lambda lib: F(lib).cross_entropy(bool2x3(lib), labels(lib)),
        "cross_entropy",
        ["bool"],
    ),
    "cross_entropy_int32_input": (
        lambda lib: F(lib).cross_entropy(long2x3(lib).int(), labels(lib)),
        "cross_entropy",
        ["int32"],
    ),
    "cross_entropy_long_input_1d": (
        lambda lib: F(lib).cross_entropy(lib.tensor([1, 2, 3]), lib.tensor(1)),
        "cross_entropy",
        ["int64"],
    ),
    "cross_entropy_long_probability_target": (
        lambda lib: F(lib).cross_entropy(f32(lib, 2, 3), long2x3(lib)),
        "cross_entropy",
        ["int64"],
    ),
    "cross_entropy_long_probability_target_1d": (
        lambda lib: F(lib).cross_entropy(f32(lib, 3), lib.tensor([0, 1, 0])),
        "cross_entropy",
        ["int64"],
    ),
    "nll_loss_long_input": (lambda lib: F(lib).nll_loss(long2x3(lib), labels(lib)), "nll_loss", ["int64"]),
    "nll_loss_bool_input": (lambda lib: F(lib).nll_loss(bool2x3(lib), labels(lib)), "nll_loss", ["bool"]),
    # regression losses: no floating operand at all
    "mse_loss_long": (lambda lib: F(lib).mse_loss(long2x3(lib), long2x3(lib)), "mse_loss", ["int64"]),
    "mse_loss_long_sum": (
        lambda lib: F(lib).mse_loss(long2x3(lib), long2x3(lib), reduction="sum"),
        "mse_loss",
        ["int64"],
    ),
    "mse_loss_bool": (lambda lib: F(lib).mse_loss(bool2x3(lib), bool2x3(lib)), "mse_loss", ["bool"]),
    "mse_loss_bool_long": (lambda lib: F(lib).mse_loss(bool2x3(lib), long2x3(lib)), "mse_loss", ["bool", "int64"]),
    "l1_loss_long_mean": (lambda lib: F(lib).l1_loss(long2x3(lib), long2x3(lib)), "l1_loss", ["int64"]),
    "l1_loss_int32_long_mean": (
        lambda lib: F(lib).l1_loss(long2x3(lib).int(), long2x3(lib)),
        "l1_loss",
        ["int32", "int64"],
    ),
    "l1_loss_bool": (lambda lib: F(lib).l1_loss(bool2x3(lib), bool2x3(lib)), "l1_loss", ["bool"]),
    "l1_loss_bool_float": (
        lambda lib: F(lib).l1_loss(bool2x3(lib), f64(lib, 2, 3), reduction="sum"),
        "l1_loss",
        ["bool", "float64"],
    ),
    "l1_loss_float_bool": (
        lambda lib: F(lib).l1_loss(f64(lib, 2, 3), bool2x3(lib), reduction="none"),
        "l1_loss",
        ["float64", "bool"],
    ),
    # binary cross-entropy: integer inputs, integer or bool targets
    "bce_long_input": (
        lambda lib: F(lib).binary_cross_entropy(long2x3(lib), long2x3(lib)),
        "binary_cross_entropy",
        ["int64"],
    ),
    "bce_long_target": (
        lambda lib: F(lib).binary_cross_entropy(f32(lib, 2, 3), long2x3(lib)),
        "binary_cross_entropy",
        ["int64"],
    ),
    "bce_bool_target": (
        lambda lib: F(lib).binary_cross_entropy(f64(lib, 2, 3), bool2x3(lib)),
        "binary_cross_entropy",
        ["bool"],
    ),
    "bce_with_logits_long_input": (
        lambda lib: F(lib).binary_cross_entropy_with_logits(long2x3(lib), f32(lib, 2, 3)),
        "binary_cross_entropy_with_logits",
        ["int64"],
    ),
    "bce_with_logits_bool_input": (
        lambda lib: F(lib).binary_cross_entropy_with_logits(bool2x3(lib), bool2x3(lib)),
        "binary_cross_entropy_with_logits",
        ["bool"],
    ),
    "bce_with_logits_long_target": (
        lambda lib: F(lib).binary_cross_entropy_with_logits(f32(lib, 2, 3), long2x3(lib)),
        "binary_cross_entropy_with_logits",
        ["int64"],
    ),
    "bce_with_logits_bool_target": (
        lambda lib: F(lib).binary_cross_entropy_with_logits(f32(lib, 2, 3), bool2x3(lib), reduction="none"),
        "binary_cross_entropy_with_logits",
        ["bool"],
    ),
    # softmax family and the activations torch has no integer kernel for
    "softmax_long": (lambda lib: F(lib).softmax(long2x3(lib), dim=1), "softmax", ["int64"]),
    "softmax_bool": (lambda lib: F(lib).softmax(bool2x3(lib), dim=0), "softmax", ["bool"]),
    "softmax_long_method": (lambda lib: long2x3(lib).softmax(1), "softmax", ["int64"]),
    "softmax_long_0d": (lambda lib: F(lib).softmax(lib.tensor(3), dim=0), "softmax", ["int64"]),
    "log_softmax_long": (lambda lib: F(lib).log_softmax(long2x3(lib), dim=1), "log_softmax", ["int64"]),
    "log_softmax_int32_method": (lambda lib: long2x3(lib).int().log_softmax(-1), "log_softmax", ["int32"]),
    "leaky_relu_long": (lambda lib: F(lib).leaky_relu(long2x3(lib), 0.1), "leaky_relu", ["int64"]),
    "leaky_relu_bool": (lambda lib: F(lib).leaky_relu(bool2x3(lib)), "leaky_relu", ["bool"]),
    "relu_bool": (lambda lib: F(lib).relu(bool2x3(lib)), "relu", ["bool"]),
    "relu_bool_method": (lambda lib: bool2x3(lib).relu(), "relu", ["bool"]),
    "abs_bool": (lambda lib: bool2x3(lib).abs(), "abs", ["bool"]),
    "dropout_long": (lambda lib: F(lib).dropout(long2x3(lib), 0.5), "dropout", ["int64"]),
    "dropout_bool": (lambda lib: F(lib).dropout(bool2x3(lib), 0.2), "dropout", ["bool"]),
    # matrix products never promote
    "linear_f64_input_f32_weight": (
        lambda lib: F(lib).linear(f64(lib, 2, 3), f32(lib, 4, 3)),
        "linear",
        ["float64", "float32"],
    ),
    "linear_f32_input_f64_weight": (
        lambda lib: F(lib).linear(f32(lib, 2, 3), f64(lib, 4, 3), f64(lib, 4)),
        "linear",
        ["float32", "float64"],
    ),
    "linear_1d_f64_input_f32_weight": (
        lambda lib: F(lib).linear(f64(lib, 3), f32(lib, 4, 3)),
        "linear",
        ["float64", "float32"],
    ),
    "linear_3d_f64_input_f32_weight": (
        lambda lib: F(lib).linear(f64(lib, 2, 2, 3), f32(lib, 4, 3)),
        "linear",
        ["float64", "float32"],
    ),
    "linear_f32_bias_f64": (
        lambda lib: F(lib).linear(f32(lib, 2, 3), f32(lib, 4, 3), f64(lib, 4)),
        "linear",
        ["float64", "float32"],
    ),
    "linear_long_bias_f64": (
        lambda lib: F(lib).linear(long2x3(lib), long2x3(lib), f64(lib, 2)),
        "linear",
        ["float64", "int64"],
    ),
    "linear_f64_input_long_weight": (
        lambda lib: F(lib).linear(f64(lib, 2, 3), long2x3(lib)),
        "linear",
        ["float64", "int64"],
    ),
    "linear_bool": (lambda lib: F(lib).linear(bool2x3(lib), bool2x3(lib)), "linear", ["bool"]),
    "nn_linear_f64_input": (lambda lib: lib.nn.Linear(3, 4)(f64(lib, 2, 3)), "linear", ["float64", "float32"]),
    "matmul_f64_f32": (lambda lib: lib.matmul(f64(lib, 2, 3), f32(lib, 3, 4)), "matmul", ["float64", "float32"]),
    "matmul_operator_f32_f64": (lambda lib: f32(lib, 2, 3) @ f64(lib, 3, 4), "matmul", ["float32", "float64"]),
    "matmul_method_f32_f64": (lambda lib: f32(lib, 2, 3).matmul(f64(lib, 3)), "matmul", ["float32", "float64"]),
    "matmul_dot_f32_f64": (lambda lib: f32(lib, 3) @ f64(lib, 3), "matmul", ["float32", "float64"]),
    "matmul_vector_matrix": (lambda lib: f32(lib, 3) @ f64(lib, 3, 2), "matmul", ["float32", "float64"]),
    "matmul_batched": (lambda lib: f32(lib, 2, 2, 3) @ f64(lib, 2, 3, 2), "matmul", ["float32", "float64"]),
    "matmul_batch_and_matrix": (lambda lib: f32(lib, 2, 2, 3) @ f64(lib, 3, 2), "matmul", ["float32", "float64"]),
    "matmul_empty": (lambda lib: f32(lib, 0, 3) @ f64(lib, 3, 2), "matmul", ["float32", "float64"]),
    "matmul_long_f64": (lambda lib: long2x3(lib) @ f64(lib, 3, 2), "matmul", ["int64", "float64"]),
    "matmul_int32_long": (lambda lib: long2x3(lib).int() @ long2x3(lib).T, "matmul", ["int32", "int64"]),
    "matmul_long_bool": (lambda lib: long2x3(lib) @ bool2x3(lib).T, "matmul", ["int64", "bool"]),
    "matmul_bool": (lambda lib: bool2x3(lib) @ bool2x3(lib).T, "matmul", ["bool"]),
}


def _raised(case, lib):
    try:
        case(lib)
    except Exception as error:  # noqa: BLE001 - the exception itself is what is compared
        return error
    return None


@pytest.mark.parametrize("name", RAISES)
def test_raises_what_torch_raises(name):
    case, op, dtypes = RAISES[name]
    theirs = _raised(case, torch)
    assert theirs is not None, f"{name}: torch does not raise (the case is wrong)"
    ours = _raised(case, cr)
    assert ours is not None, f"{name}: torch raised {type(theirs).__name__}: {theirs}; chainrule did not raise"
    assert type(ours) is type(theirs), (
        f"{name}: torch raised {type(theirs).__name__}, chainrule {type(ours).__name__}: {ours}"
    )
    message = str(ours)
    assert message.startswith(f"{op}: ") and "got" in message and "; expected" in message, message
    for dtype in dtypes:
        assert dtype in message, f"{name}: {dtype} not named in {message!r}"


def _same_result(ours, theirs):
    theirs = theirs.detach().numpy()
    ours = ours.detach().numpy()
    assert ours.dtype == theirs.dtype, f"dtype {ours.dtype} != torch {theirs.dtype}"
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


ALLOWED = {
    # a loss with one floating operand promotes, as in torch
    "mse_loss_long_f64": lambda lib: F(lib).mse_loss(long2x3(lib), f64(lib, 2, 3)),
    "mse_loss_f64_long": lambda lib: F(lib).mse_loss(f64(lib, 2, 3), long2x3(lib), reduction="none"),
    "mse_loss_bool_f64": lambda lib: F(lib).mse_loss(bool2x3(lib), f64(lib, 2, 3), reduction="sum"),
    "l1_loss_long_f64": lambda lib: F(lib).l1_loss(long2x3(lib), f64(lib, 2, 3)),
    "l1_loss_long_sum": lambda lib: F(lib).l1_loss(long2x3(lib), long2x3(lib) * 2, reduction="sum"),
    "l1_loss_long_none": lambda lib: F(lib).l1_loss(long2x3(lib), long2x3(lib) * 2, reduction="none"),
    "cross_entropy_f32_index_target": lambda lib: F(lib).cross_entropy(f32(lib, 2, 3), labels(lib)),
    "bce_f64": lambda lib: F(lib).binary_cross_entropy(f64(lib, 2, 3), f64(lib, 2, 3)),
    "bce_with_logits_f32": lambda lib: F(lib).binary_cross_entropy_with_logits(f32(lib, 2, 3), f32(lib, 2, 3)),
    # the elementwise functions torch computes on integers
    "exp_long": lambda lib: long2x3(lib).exp(),
    "sigmoid_long": lambda lib: F(lib).sigmoid(long2x3(lib)),
    "tanh_bool": lambda lib: bool2x3(lib).tanh(),
    "relu_long": lambda lib: F(lib).relu(long2x3(lib) - 3),
    "abs_long": lambda lib: (long2x3(lib) - 3).abs(),
    "logsumexp_long": lambda lib: lib.logsumexp(long2x3(lib), 1),
    # dropout that keeps or zeroes everything never scales
    "dropout_long_p0": lambda lib: F(lib).dropout(long2x3(lib), 0.0),
    "dropout_long_eval": lambda lib: F(lib).dropout(long2x3(lib), 0.5, training=False),
    "dropout_long_p1": lambda lib: F(lib).dropout(long2x3(lib), 1.0),
    # products of one dtype, integers included
    "matmul_long": lambda lib: long2x3(lib) @ long2x3(lib).T,
    "matmul_f64": lambda lib: f64(lib, 2, 3) @ f64(lib, 3),
    "linear_long": lambda lib: F(lib).linear(long2x3(lib), long2x3(lib)),
    "linear_f64_with_bias": lambda lib: F(lib).linear(f64(lib, 2, 3), f64(lib, 4, 3), f64(lib, 4)),
}


@pytest.mark.parametrize("name", ALLOWED)
def test_allowed_like_torch(name):
    _same_result(ALLOWED[name](cr), ALLOWED[name](torch))


def test_float_linear_still_gets_gradients():
    x = cr.ones(2, 3, dtype=cr.float64, requires_grad=True)
    w = cr.ones(4, 3, dtype=cr.float64, requires_grad=True)
    F(cr).linear(x, w).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), np.full((2, 3), 4.0))
    np.testing.assert_allclose(w.grad.detach().numpy(), np.full((4, 3), 2.0))
