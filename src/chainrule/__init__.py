"""chainrule: deep learning built from the chain rule up, on NumPy.

    import chainrule as cr
    import chainrule.functional as F

The top level holds what ``torch`` holds at its top level, for the ops, dtypes, factories and
grad-mode switches chainrule has, under the same names; plus a few names of chainrule's own
(``Function``, ``detect_anomaly``, ``gradcheck``, ``GradcheckError``, ``bool_``) that PyTorch
keeps in ``torch.autograd``. ``__all__`` lists them; tests/public_api.txt pins the list.
"""
from .autograd import (Function, detect_anomaly, enable_grad, inference_mode, is_anomaly_enabled,
                       is_grad_enabled, no_grad, set_grad_enabled)
from .backend import (bool_, double, float16, float32, float64, get_default_dtype, int8, int16, int32,
                      int64, long, set_default_dtype, uint8)
from .creation import (arange, empty, eye, from_numpy, full, full_like, linspace, ones, ones_like, rand,
                       rand_like, randint, randn, randn_like, randperm, tensor, zeros, zeros_like)
from .functional import (abs, add, argmax, cat, chunk, clamp, clip, concat, div, exp, flatten, gather, log,
                         log_softmax, logsumexp, matmul, max, maximum, mean, min, minimum, mul, neg, norm,
                         permute, pow, relu, reshape, sigmoid, softmax, split, sqrt, squeeze, stack, std, sub,
                         sum, tanh, transpose, unsqueeze, var, where)
from .gradcheck import GradcheckError, gradcheck
from .random import Generator, manual_seed
from .tensor import Tensor
# the subpackages, reachable as attributes (cr.nn, cr.optim, ...) as in torch
from . import (autograd, backend, data, diagnostics, functional, imbalance, metrics, nn, optim,  # noqa: F401
               random, train)
from .serialization import load, save

# torch's dtype aliases (they shadow the builtins only inside this file, as in torch/__init__.py)
float = float32  # noqa: A001
half = float16
short = int16
int = int32  # noqa: A001
bool = bool_  # noqa: A001

__version__ = "0.1.0"

__all__ = [
    "Function",
    "Generator",
    "GradcheckError",
    "Tensor",
    "abs",
    "add",
    "arange",
    "argmax",
    "bool",
    "bool_",
    "cat",
    "chunk",
    "clamp",
    "clip",
    "concat",
    "detect_anomaly",
    "div",
    "double",
    "empty",
    "enable_grad",
    "exp",
    "eye",
    "flatten",
    "float",
    "float16",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "full_like",
    "gather",
    "get_default_dtype",
    "gradcheck",
    "half",
    "inference_mode",
    "int",
    "int16",
    "int32",
    "int64",
    "int8",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "linspace",
    "load",
    "log",
    "log_softmax",
    "logsumexp",
    "long",
    "manual_seed",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "neg",
    "no_grad",
    "norm",
    "ones",
    "ones_like",
    "permute",
    "pow",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "relu",
    "reshape",
    "save",
    "set_default_dtype",
    "set_grad_enabled",
    "short",
    "sigmoid",
    "softmax",
    "split",
    "sqrt",
    "squeeze",
    "stack",
    "std",
    "sub",
    "sum",
    "tanh",
    "tensor",
    "transpose",
    "uint8",
    "unsqueeze",
    "var",
    "where",
    "zeros",
    "zeros_like",
]
