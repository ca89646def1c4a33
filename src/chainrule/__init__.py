"""chainrule: deep learning built from the chain rule up, on NumPy.

    import chainrule as cr
    import chainrule.functional as F
"""
from . import backend
from .autograd import (Function, detect_anomaly, enable_grad, inference_mode, is_anomaly_enabled,
                       is_grad_enabled, no_grad, set_grad_enabled)
from .autograd import grad as _grad
from .backend import (bool_, double, float16, float32, float64, get_default_dtype, int8, int16, int32,
                      int64, long, set_default_dtype, uint8)
from .creation import (arange, empty, eye, from_numpy, full, full_like, linspace, ones, ones_like, rand,
                       rand_like, randint, randn, randn_like, randperm, tensor, zeros, zeros_like)
from .functional import (abs, argmax, cat, chunk, clamp, clip, concat, exp, flatten, gather, log, matmul,
                         max, maximum, mean, min, minimum, permute, reshape, sigmoid, softmax, split, sqrt,
                         squeeze, stack, std, sum, tanh, transpose, unsqueeze, var, where, logsumexp,
                         log_softmax, relu)
from .gradcheck import GradcheckError, gradcheck
from .random import Generator, manual_seed
from .tensor import Tensor
from . import autograd, data, diagnostics, functional, imbalance, metrics, nn, optim, random, train  # noqa: F401
from .serialization import load, save

float = float32  # noqa: A001 - torch.float
__version__ = "0.1.0"
