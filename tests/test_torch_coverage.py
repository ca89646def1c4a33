"""Every public name of ``torch`` and ``torch.Tensor`` that chainrule implements is checked against
PyTorch by a row of the op table, or is listed here with the reason it is not an op (a factory, a
dtype, a predicate tested elsewhere, ...). Implementing a new torch name without a parity row
fails this test, so coverage cannot silently rot."""

import inspect
import pathlib
import re

import torch
from test_op_table import NOT_AN_OP  # chainrule.functional names that are no op, with their reasons

import chainrule
from chainrule import op_table

TABLE = pathlib.Path(inspect.getsourcefile(op_table)).read_text()

# Names that are no differentiable op, and where their behaviour is tested instead.
NOT_OPS = {
    # tensors, factories, randomness and dtypes: tests/test_creation.py, tests/test_backend.py, tests/test_random.py
    "Tensor",
    "tensor",
    "from_numpy",
    "zeros",
    "ones",
    "empty",
    "full",
    "eye",
    "arange",
    "linspace",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "rand",
    "randn",
    "randint",
    "randperm",
    "rand_like",
    "randn_like",
    "randint_like",
    "manual_seed",
    "Generator",
    "get_default_dtype",
    "set_default_dtype",
    "set_printoptions",
    "float",
    "float16",
    "float32",
    "float64",
    "double",
    "half",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "long",
    "short",
    "uint8",
    "bool",
    "bfloat16",
    # grad mode and the engine: tests/test_autograd.py, tests/test_inplace.py
    "no_grad",
    "enable_grad",
    "inference_mode",
    "set_grad_enabled",
    "is_grad_enabled",
    "autograd",
    "is_anomaly_enabled",
    # modules and files: their own tests
    "nn",
    "optim",
    "save",
    "load",
    "functional",
    "linalg",
    "random",
    "ops",
    "serialization",
    # integer results, no gradient: tests/ops/test_reduce.py
    "argmax",
    "argmin",
}
NOT_TENSOR_OPS = {
    # conversion, metadata and memory: tests/test_tensor.py, tests/test_inplace.py
    "numpy",
    "item",
    "tolist",
    "to",
    "type",
    "cpu",
    "float",
    "double",
    "half",
    "long",
    "int",
    "bool",
    "short",
    "byte",
    "char",
    "type_as",
    "size",
    "dim",
    "numel",
    "ndim",
    "shape",
    "dtype",
    "device",
    "is_leaf",
    "grad",
    "grad_fn",
    "requires_grad",
    "requires_grad_",
    "retain_grad",
    "retains_grad",
    "register_hook",
    "backward",
    "detach",
    "detach_",
    "data",
    "contiguous",
    "is_contiguous",
    "new_zeros",
    "new_ones",
    "new_full",
    "new_empty",
    "new_tensor",
    "element_size",
    "nbytes",
    "itemsize",
    "stride",
    "storage_offset",
    "data_ptr",
    "untyped_storage",
    "is_floating_point",
    "is_complex",
    "T",
    "mT",
    "H",
    "mH",
    # in-place writes: every one is in tests/test_inplace.py's matrix against torch
    "copy_",
    "fill_",
    "zero_",
    "uniform_",
    "normal_",
    "masked_fill_",
    "add_",
    "sub_",
    "mul_",
    "div_",
    "pow_",
    "neg_",
    "exp_",
    "log_",
    "sqrt_",
    "abs_",
    "clamp_",
    "clip_",
    "relu_",
    "sigmoid_",
    "tanh_",
    # comparisons and predicates (no gradient): tests/test_tensor.py, tests/ops/test_elementwise.py
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "any",
    "all",
    "allclose",
    "isnan",
    "isfinite",
    "isinf",
    "argmax",
    "argmin",
    "sign",
    "equal",
}
DUNDER = re.compile(r"^__\w+__$")


def _implemented(torch_names, ours):
    return sorted(
        name for name in torch_names if not name.startswith("_") and not DUNDER.match(name) and hasattr(ours, name)
    )


def _in_table(name):
    return re.search(rf"[.\b]{re.escape(name)}\(|\blib\.{re.escape(name)}\b|\b{re.escape(name)}\(", TABLE) is not None


def _covered(name, exempt):
    if name in exempt or name in NOT_AN_OP or _in_table(name):
        return True
    # An in-place variant runs its out-of-place op through Tensor._inplace (tests/test_inplace.py
    # checks that machinery against torch), so ``sin_`` is covered where ``sin`` is.
    return name.endswith("_") and _covered(name[:-1], exempt)


def test_every_implemented_torch_function_has_a_parity_row():
    implemented = _implemented(dir(torch), chainrule)
    missing = [name for name in implemented if not _covered(name, NOT_OPS)]
    assert not missing, f"chainrule implements torch.{missing} without a row in chainrule/op_table.py"


def test_every_implemented_tensor_method_has_a_parity_row():
    implemented = _implemented(dir(torch.Tensor), chainrule.Tensor)
    missing = [name for name in implemented if not _covered(name, NOT_TENSOR_OPS)]
    assert not missing, f"chainrule implements torch.Tensor.{missing} without a row in chainrule/op_table.py"


def test_the_exemption_lists_name_real_torch_names():
    # A typo in an exemption would silently exempt nothing; every name must exist in torch.
    assert not sorted(n for n in NOT_OPS if not hasattr(torch, n))
    assert not sorted(n for n in NOT_TENSOR_OPS if not hasattr(torch.Tensor, n))
