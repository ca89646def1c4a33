"""Basic layers: Linear, Embedding, Dropout (element- and channel-wise), Identity, Flatten (PyTorch
names, arguments, init)."""

from __future__ import annotations

import numpy as np

from .. import backend
from .. import functional as F
from ..autograd import no_grad
from ..tensor import Tensor
from . import init
from .module import Module, Parameter

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Embedding", "Flatten", "Identity", "Linear"]


def _parameter_dtype(layer: str, device, dtype):
    """Resolve the ``device=``/``dtype=`` constructor arguments every PyTorch layer takes."""
    dtype, _ = backend.parse_to_args(layer, (), dtype=dtype, device=device)
    if dtype is None:
        dtype = backend.get_default_dtype()
    if dtype.kind != "f":
        raise TypeError(f"{layer}: parameters must have a floating point dtype, got {dtype}; expected e.g. float32")
    return dtype


class Identity(Module):
    """Returns its input unchanged; accepts and ignores any constructor arguments (a placeholder
    where a layer is switched off, e.g. ``norm = LayerNorm(d) if use_norm else Identity()``)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features).

    Initialised exactly as PyTorch: W ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)),
    and b ~ U(-1/sqrt(in), 1/sqrt(in)).

    Args:
        in_features: size of each input sample (the last dim).
        out_features: size of each output sample.
        bias: whether to learn the additive bias b.
        device: 'cpu' or None (the only device of the NumPy backend).
        dtype: the parameters' floating point dtype (default: chainrule's default dtype).
        generator: seeds the initialisation draw (a chainrule addition).
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None, *, generator=None
    ):
        super().__init__()
        dtype = _parameter_dtype("Linear", device, dtype)
        for size in (out_features, in_features):
            if isinstance(size, int) and size < 0:  # torch's message, for its (out, in) weight
                raise RuntimeError(
                    f"Trying to create tensor with negative dimension {size}: [{out_features}, {in_features}]"
                )
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(np.zeros((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.zeros(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        init.kaiming_uniform_(self.weight, a=5**0.5, generator=generator)
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / fan_in**0.5 if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, input):
        shape = tuple(input.shape)
        if not shape or shape[-1] != self.in_features:
            raise ValueError(
                f"Linear: input of shape {shape} must end in in_features={self.in_features} "
                f"(weight shape {tuple(self.weight.shape)})"
            )
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Embedding(Module):
    """A lookup table: row i of ``weight`` (num_embeddings, embedding_dim) is the vector of token i.

    Initialised N(0, 1) with the ``padding_idx`` row zeroed; that row also never receives a
    gradient, so it stays the zero vector. ``max_norm`` renormalises looked-up rows in place
    before the lookup, as PyTorch does.

    Args:
        num_embeddings: the vocabulary size (rows of ``weight``).
        embedding_dim: the size of each vector.
        padding_idx: a row that stays zero and gets no gradient (negative counts from the end).
        max_norm: if given, looked-up rows with a larger ``norm_type``-norm are rescaled to it.
        norm_type: the p of the norm for ``max_norm``.
        scale_grad_by_freq: not supported (must be False).
        sparse: not supported (must be False).
        device: 'cpu' or None (the only device of the NumPy backend).
        dtype: the parameters' floating point dtype (default: chainrule's default dtype).
        generator: seeds the initialisation draw (a chainrule addition).
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx=None,
        max_norm=None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight=None,
        _freeze: bool = False,
        device=None,
        dtype=None,
        *,
        generator=None,
    ):
        super().__init__()
        dtype = _parameter_dtype("Embedding", device, dtype)
        if scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: scale_grad_by_freq and sparse gradients are not supported")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx must be within num_embeddings, got {padding_idx}; expected "
                    f"{-num_embeddings} <= padding_idx < {num_embeddings}"
                )
            padding_idx = padding_idx % num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(np.zeros((num_embeddings, embedding_dim), dtype=dtype), requires_grad=not _freeze)
            self.reset_parameters(generator)
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: shape of weight {tuple(_weight.shape)} does not match "
                    f"(num_embeddings, embedding_dim) = ({num_embeddings}, {embedding_dim})"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self, generator=None) -> None:
        init.normal_(self.weight, generator=generator)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    @classmethod
    def from_pretrained(
        cls,
        embeddings,
        freeze: bool = True,
        padding_idx=None,
        max_norm=None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ):
        """Wrap a given (num_embeddings, embedding_dim) matrix; frozen (no gradient) by default.

        Args:
            embeddings: the 2-D weight Tensor, used as the layer's ``weight``.
            freeze: whether the weight is excluded from training (``requires_grad=False``).
            padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse: as for ``Embedding``.
        """
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape {tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(
            rows,
            cols,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
            _weight=embeddings,
            _freeze=freeze,
            dtype=embeddings.dtype,
        )

    def _renorm(self, indices) -> None:
        # Rows whose norm exceeds max_norm are scaled to max_norm / (norm + 1e-7), outside the graph.
        rows = np.unique(np.asarray(indices))
        weight = self.weight._data
        norms = np.linalg.norm(weight[rows].astype(np.float64), ord=self.norm_type, axis=1)
        too_big = norms > self.max_norm
        scale = self.max_norm / (norms[too_big] + 1e-7)
        weight[rows[too_big]] *= scale[:, None].astype(weight.dtype)  # in place, as torch's embedding_renorm_
        self.weight._bump_version()

    def forward(self, input):
        indices = input._data if isinstance(input, Tensor) else np.asarray(input)
        if self.max_norm is not None:
            self._renorm(indices)
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        return text


class Dropout(Module):
    """Zero each element with probability p in training and scale the survivors by 1/(1-p);
    the identity in eval mode. Masks come from ``generator=`` or chainrule's default generator.
    ``inplace`` is accepted for compatibility; the result is always a new tensor.

    Args:
        p: the probability of zeroing an element, in [0, 1].
        inplace: accepted for compatibility (shown in the repr).
        generator: the generator the masks are drawn from (a chainrule addition).
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, *, generator=None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace
        self.generator = generator

    def forward(self, input):
        return F.dropout(input, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Module):
    """Zero whole channels ((H, W) feature maps) of (N, C, H, W) or (C, H, W) input with
    probability p in training and scale the rest by 1/(1-p); the identity in eval mode. Adjacent
    pixels of a feature map are strongly correlated, so element-wise dropout would barely
    regularise a convolution: dropping the whole map does.

    Args:
        p: the probability of zeroing a channel, in [0, 1].
        inplace: multiply the input in place.
        generator: the generator the masks are drawn from (a chainrule addition).
    """

    _function = staticmethod(F.dropout2d)

    def __init__(self, p: float = 0.5, inplace: bool = False, *, generator=None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace
        self.generator = generator

    def forward(self, input):
        return type(self)._function(input, self.p, self.training, self.inplace, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout2d):
    """Zero whole channels of (N, C, L) or (C, L) input with probability p in training (see Dropout2d).

    Args:
        p: the probability of zeroing a channel, in [0, 1].
        inplace: multiply the input in place.
        generator: the generator the masks are drawn from (a chainrule addition).
    """

    _function = staticmethod(F.dropout1d)


class Flatten(Module):
    """Flatten dims start_dim..end_dim into one (default: everything but the batch dim).

    Args:
        start_dim: the first dim flattened.
        end_dim: the last dim flattened (inclusive; negative counts from the end).
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
