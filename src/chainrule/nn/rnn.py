"""Recurrent layers: RNN (tanh, relu), LSTM and GRU over whole sequences, and their one-step cells.

PyTorch's constructor arguments, forward signatures, gate orders (LSTM i, f, g, o; GRU r, z, n
with b_hn inside the reset product), parameter names (``weight_ih_l0``, ``bias_hh_l1_reverse``,
...) and initialisation U(-1/sqrt(H), 1/sqrt(H)), so state dicts load unchanged both ways. Each
layer-direction runs as one fused op with a hand-derived backward through time
(``chainrule.ops.recurrent``); a ``PackedSequence`` input stops each sequence at its own last step.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import functional as F
from ..tensor import Tensor, as_tensor_operand
from . import init
from .layers import _parameter_dtype
from .module import Module, Parameter
from .utils.rnn import PackedSequence

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_FUNCTIONS = {"LSTM": F.lstm, "GRU": F.gru, "RNN_TANH": F.rnn_tanh, "RNN_RELU": F.rnn_relu}


def _check_size(layer, what, value):
    """A layer size as torch.nn.RNNBase checks it: a Python int (bool included, as isinstance
    lets it through; a NumPy integer is refused, as torch refuses it) greater than zero."""
    if not isinstance(value, int):
        raise TypeError(f"{layer}: {what} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{layer}: {what} must be greater than zero, got {value}")


def _check_num_layers(layer, value):
    """torch compares num_layers with 0 first (ValueError for -1.0) and only then fails to
    range() over a non-integer (TypeError; a bool passes range() but fails the first forward
    with a TypeError); the same order and types here, at construction, with a message."""
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{layer}: num_layers should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{layer}: num_layers must be greater than zero, got {value}")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{layer}: num_layers should be of type int, got: {type(value).__name__}")


def _check_proj_size(layer, mode, proj_size, hidden_size):
    """0 (or anything equal to it: False, 0.0, as torch) disables the projection; otherwise an
    integer in [1, hidden_size), LSTM only."""
    if not isinstance(proj_size, numbers.Real):
        raise TypeError(f"{layer}: proj_size should be of type int, got: {type(proj_size).__name__}")
    if proj_size != 0 and mode != "LSTM":
        raise ValueError(f"{layer}: proj_size argument is only supported for LSTM, not RNN or GRU")
    if proj_size < 0:
        raise ValueError(
            f"{layer}: proj_size should be a positive integer or zero to disable projections, got {proj_size}"
        )
    if proj_size >= hidden_size:
        raise ValueError(
            f"{layer}: proj_size has to be smaller than hidden_size, got proj_size={proj_size} and "
            f"hidden_size={hidden_size}"
        )
    if proj_size != 0 and (isinstance(proj_size, bool) or not isinstance(proj_size, numbers.Integral)):
        raise TypeError(f"{layer}: proj_size should be of type int, got: {type(proj_size).__name__}")


def _check_dropout(layer, dropout, num_layers):
    """torch converts with float() first (TypeError for None), then wants a number in [0, 1]
    that is not a bool (ValueError), and warns when there is no layer boundary to drop at."""
    try:
        float(dropout)
    except TypeError:
        raise TypeError(f"{layer}: dropout should be a number in range [0, 1], got {type(dropout).__name__}") from None
    except ValueError:
        pass  # a string float() cannot read: the range check below raises ValueError, as torch
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1:
        raise ValueError(
            f"{layer}: dropout should be a number in range [0, 1] representing the probability of an element "
            f"being zeroed, got {dropout!r}"
        )
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
            f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
            UserWarning,
            stacklevel=4,  # past _check_dropout, RNNBase.__init__ and RNN/LSTM/GRU.__init__: the caller
        )


def _check_flag(layer, what, value):
    """bias and batch_first as torch checks them (isinstance bool); bidirectional too, which
    torch only refuses at the first forward (its kernels take a bool)."""
    if not isinstance(value, bool):
        raise TypeError(f"{layer}: {what} should be of type bool, got: {type(value).__name__}")


def _check_cell_size(layer, what, value, shape):
    """A cell size as torch.nn.RNNCellBase takes it: any integer (bool included) >= 0 (torch
    checks nothing and lets torch.empty fail: TypeError for a float, RuntimeError for a
    negative size; 0 builds an empty, working cell)."""
    if not isinstance(value, numbers.Integral):
        raise TypeError(f"{layer}: {what} should be of type int, got: {type(value).__name__}")
    if value < 0:
        raise RuntimeError(f"{layer}: Trying to create tensor with negative dimension {value}: {list(shape)}")


def _check_nonlinearity(layer, nonlinearity, error):
    if nonlinearity not in ("tanh", "relu"):
        raise error(f"{layer}: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")


def _reject_proj_size(layer, kwargs):
    """torch's RNN and GRU refuse a proj_size keyword, even 0, with a ValueError."""
    if "proj_size" in kwargs:
        raise ValueError(f"{layer}: proj_size argument is only supported for LSTM, not RNN or GRU")


def _select(tensor, dim, index):
    """tensor.index_select(dim, index), or the tensor itself when there is no permutation."""
    return tensor if index is None else tensor.index_select(dim, index)


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU (``mode`` 'RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU').

    Args:
        mode: which recurrence.
        input_size: the number of features of each input step.
        hidden_size: H, the number of features of the hidden state.
        num_layers: stacked layers; layer k > 0 reads the outputs of layer k - 1.
        bias: whether the layers have the biases b_ih and b_hh.
        batch_first: input and output are (B, T, *) instead of (T, B, *) (the states are not).
        dropout: the probability of dropout on the outputs of every layer but the last, in training.
        bidirectional: run a second direction from the end; outputs have 2 * H features.
        proj_size: LSTM only: if > 0, h_t = (o * tanh c_t) W_hr^T with W_hr (proj_size, H), so h
            (and the output) has proj_size features while c keeps H (fewer recurrent weights).
        device: 'cpu' or None (the only device of the NumPy backend).
        dtype: the parameters' floating point dtype (default: chainrule's default dtype).
        generator: seeds the initialisation draw (a chainrule addition).
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
        *,
        generator=None,
    ):
        super().__init__()
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        layer = type(self).__name__
        dtype = _parameter_dtype(layer, device, dtype)
        # torch's order of checks, so that the same bad argument raises the same exception type
        _check_dropout(layer, dropout, num_layers)
        _check_flag(layer, "bias", bias)
        _check_flag(layer, "batch_first", batch_first)
        _check_flag(layer, "bidirectional", bidirectional)  # torch: a TypeError at the first forward
        _check_size(layer, "input_size", input_size)
        _check_size(layer, "hidden_size", hidden_size)
        _check_num_layers(layer, num_layers)
        _check_proj_size(layer, mode, proj_size, hidden_size)
        # int(): torch accepts a bool size (isinstance(True, int)); the shapes below need an int
        input_size, hidden_size, num_layers, proj_size = map(int, (input_size, hidden_size, num_layers, proj_size))
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size  # the width of h
        self._flat_weights_names = []
        self._all_weights = []
        for layer_index in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer_index == 0 else real_hidden_size * directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [(gate_size, layer_input), (gate_size, real_hidden_size)]
                names = [f"weight_ih_l{layer_index}{suffix}", f"weight_hh_l{layer_index}{suffix}"]
                if bias:
                    shapes += [(gate_size,), (gate_size,)]
                    names += [f"bias_ih_l{layer_index}{suffix}", f"bias_hh_l{layer_index}{suffix}"]
                if proj_size > 0:  # torch's order: the projection after the biases
                    shapes.append((proj_size, hidden_size))
                    names.append(f"weight_hr_l{layer_index}{suffix}")
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(np.zeros(shape, dtype=dtype)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        """Every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound, generator=generator)

    def flatten_parameters(self) -> None:
        """A no-op: cuDNN wants one contiguous weight buffer; the NumPy backend does not."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters per layer and direction: [[w_ih, w_hh, b_ih, b_hh(, w_hr)], ...]."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _state_shapes(self, batch, states):
        """The expected (num_layers * D, B, width) of h_0 (width proj_size or H) and of c_0 (H)."""
        rows = self.num_layers * (2 if self.bidirectional else 1)
        h_width = self.proj_size if getattr(self, "proj_size", 0) > 0 else self.hidden_size
        return [(rows, batch, h_width), (rows, batch, self.hidden_size)][:states]

    def _check_input(self, input, packed):
        layer = type(self).__name__
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{layer}: input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                f"{input.shape[-1]} (input shape {tuple(input.shape)})"
            )
        dtype = self._flat_weights[0].dtype
        if input.dtype != dtype:
            raise RuntimeError(f"{layer}: input must have the type {dtype}, got type {input.dtype}")
        if not packed and input.shape[0 if not self.batch_first else 1] == 0:
            raise RuntimeError(
                f"{layer}: Expected sequence length to be larger than 0 in RNN, got input shape {tuple(input.shape)}"
            )

    def _check_state(self, state, expected, what):
        if tuple(state.shape) != expected:
            raise RuntimeError(f"{type(self).__name__}: Expected {what} size {expected}, got {list(state.shape)}")

    def _prepare(self, input, hx, states):
        """Common input handling: returns (data, batch_sizes, hx list in sorted order, how to undo)."""
        layer = type(self).__name__
        if isinstance(input, PackedSequence):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            data = as_tensor_operand(layer, data)
            self._check_input(data, packed=True)
            batch, batched = int(batch_sizes[0]), True
        else:
            data = as_tensor_operand(layer, input)
            if data.ndim not in (2, 3):
                raise ValueError(
                    f"{layer}: Expected input to be 2D or 3D, got {data.ndim}D instead (shape {tuple(data.shape)})"
                )
            self._check_input(data, packed=False)
            batched = data.ndim == 3
            batch_sizes = sorted_indices = unsorted_indices = None
            if not batched:
                data = data.unsqueeze(0 if self.batch_first else 1)
            batch = data.shape[0 if self.batch_first else 1]
        shapes = self._state_shapes(batch, states)
        if hx is None:
            hx = [Tensor(np.zeros(shape, dtype=data.dtype)) for shape in shapes]
        else:
            if states == 2:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise TypeError(f"{layer}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
                hx = [as_tensor_operand(layer, h) for h in hx]
            else:
                if not isinstance(hx, Tensor):
                    raise TypeError(f"{layer}: hx must be a Tensor, got {type(hx).__name__}")
                hx = [hx]
            wanted = 3 if batched else 2
            if any(h.ndim != wanted for h in hx):
                dims = ", ".join(f"{h.ndim}-D" for h in hx)
                names = "hx and cx" if states == 2 else "hx"
                kind = "batched 3-D" if batched else "unbatched 2-D"
                raise RuntimeError(
                    f"{layer}: For {kind} input, {names} should also be {wanted}-D but got ({dims}) tensor(s)"
                )
            if not batched:
                hx = [h.unsqueeze(1) for h in hx]
            for j, (h, shape) in enumerate(zip(hx, shapes)):
                self._check_state(h, shape, f"hidden[{j}]" if states == 2 else "hidden")
            hx = [_select(h, 1, sorted_indices) for h in hx]  # the packed batch is in sorted order
        return data, batch_sizes, hx, (batched, sorted_indices, unsorted_indices)

    def _run(self, input, hx, states):
        data, batch_sizes, hx, (batched, sorted_indices, unsorted_indices) = self._prepare(input, hx, states)
        args = (self._flat_weights, self.bias, self.num_layers, self.dropout, self.training, self.bidirectional)
        function = _FUNCTIONS[self.mode]
        hx_arg = hx if states == 2 else hx[0]
        if batch_sizes is not None:
            result = function(data, batch_sizes, hx_arg, *args)
            output = PackedSequence(result[0], batch_sizes, sorted_indices, unsorted_indices)
        else:
            result = function(data, hx_arg, *args, self.batch_first)
            output = result[0]
            if not batched:
                output = output.squeeze(0 if self.batch_first else 1)
        finals = [_select(h, 1, unsorted_indices) for h in result[1:]]  # back to the caller's order
        if not batched:
            finals = [h.squeeze(1) for h in finals]
        return output, finals

    def forward(self, input, hx=None):
        output, finals = self._run(input, hx, 1)
        return output, finals[0]


class RNN(RNNBase):
    """An Elman RNN, h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or relu.

    Forward: ``output, h_n = rnn(input, h_0=None)`` with input (T, B, I) ((B, T, I) with
    batch_first, (T, I) unbatched, or a PackedSequence) and h_0 (num_layers * D, B, H).

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device,
        dtype, generator: as RNNBase.
        nonlinearity: 'tanh' or 'relu'.

    Raises:
        ValueError: a ``proj_size`` keyword (even 0), as torch: only LSTM has a projection.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
        *,
        generator=None,
        **unsupported,
    ):
        _reject_proj_size("RNN", unsupported)
        if unsupported:  # what Python itself would say without the **unsupported catch-all
            raise TypeError(f"RNN.__init__() got an unexpected keyword argument {next(iter(unsupported))!r}")
        _check_nonlinearity("RNN", nonlinearity, ValueError)
        super().__init__(
            "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU",
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype,
            generator=generator,
        )  # fmt: skip
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """A long short-term memory layer (gate order i, f, g, o, as PyTorch):

        i, f, o = sigma(.), g = tanh(.) of x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh,
        c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t).

    The cell state's path c_{t-1} -> c_t is multiplied only by the forget gate f, not by a weight
    matrix and a squashing slope, which is why gradients survive many more steps than in an RNN.

    Forward: ``output, (h_n, c_n) = lstm(input, (h_0, c_0)=None)``; shapes as RNN, except that
    with ``proj_size`` P > 0 the output and h have P features (h_n (num_layers * D, B, P)) while
    c_n keeps H; each layer-direction then has ``weight_hr_l{k}`` (P, H) and ``weight_hh`` (4H, P).

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size,
        device, dtype, generator: as RNNBase.
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input, hx=None):
        output, (h_n, c_n) = self._run(input, hx, 2)
        return output, (h_n, c_n)


class GRU(RNNBase):
    """A gated recurrent unit layer (gate order r, z, n; b_hn inside the reset product, as PyTorch):

        r = sigma(W_ir x + b_ir + W_hr h + b_hr),  z = sigma(W_iz x + b_iz + W_hz h + b_hz),
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h_t = (1 - z) * n + z * h_{t-1}.

    Forward: ``output, h_n = gru(input, h_0=None)``; shapes as RNN.
    """

    def __init__(self, *args, **kwargs):
        _reject_proj_size("GRU", kwargs)
        super().__init__("GRU", *args, **kwargs)


class _CellBase(Module):
    """One step of a recurrence: weight_ih (G*H, I), weight_hh (G*H, H), bias_ih, bias_hh (G*H,)."""

    _gates = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None, *, generator=None):
        super().__init__()
        layer = type(self).__name__
        dtype = _parameter_dtype(layer, device, dtype)
        _check_cell_size(layer, "hidden_size", hidden_size, (self._gates * hidden_size, input_size))
        _check_cell_size(layer, "input_size", input_size, (self._gates * hidden_size, input_size))
        input_size, hidden_size = int(input_size), int(hidden_size)  # a bool size is an int to torch
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gate_size = self._gates * hidden_size
        self.weight_ih = Parameter(np.zeros((gate_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(np.zeros((gate_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(np.zeros(gate_size, dtype=dtype))
            self.bias_hh = Parameter(np.zeros(gate_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        """Every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound, generator=generator)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _prepare(self, input, hx, states):
        layer = type(self).__name__
        input = as_tensor_operand(layer, input)
        if input.ndim not in (1, 2):
            raise ValueError(f"{layer}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{layer}: input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}"
            )
        batched = input.ndim == 2
        if hx is not None:
            hx = [as_tensor_operand(layer, h) for h in (hx if states == 2 else [hx])]
            for h in hx:
                if h.ndim != input.ndim:
                    raise RuntimeError(
                        f"{layer}: Expected hidden to be {input.ndim}D for {input.ndim}D input, got {h.ndim}D instead"
                    )
        if not batched:
            input = input.unsqueeze(0)
        batch = input.shape[0]
        if hx is None:
            hx = [Tensor(np.zeros((batch, self.hidden_size), dtype=input.dtype)) for _ in range(states)]
        else:
            if not batched:
                hx = [h.unsqueeze(0) for h in hx]
            for h in hx:
                if tuple(h.shape) != (batch, self.hidden_size):
                    raise RuntimeError(
                        f"{layer}: Expected hidden of shape ({batch}, {self.hidden_size}) for input of shape "
                        f"{tuple(input.shape)}, got {tuple(h.shape)}"
                    )
        return input, hx, batched


class RNNCell(_CellBase):
    """One Elman step, h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh); input (B, I) or (I,).

    Args:
        input_size, hidden_size, bias, device, dtype, generator: as RNNBase.
        nonlinearity: 'tanh' or 'relu'.

    Raises:
        RuntimeError: an unknown ``nonlinearity``. torch's type, but raised here at construction
            (torch only raises at the first forward), so the mistake points at its cause.
    """

    def __init__(
        self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None, *, generator=None
    ):
        _check_nonlinearity("RNNCell", nonlinearity, RuntimeError)
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype, generator=generator)

    def forward(self, input, hx=None):
        _check_nonlinearity("RNNCell", self.nonlinearity, RuntimeError)  # the attribute may have been reassigned
        input, (h,), batched = self._prepare(input, hx, 1)
        step = F.rnn_tanh_cell if self.nonlinearity == "tanh" else F.rnn_relu_cell
        out = step(input, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return out if batched else out.squeeze(0)


class LSTMCell(_CellBase):
    """One LSTM step; ``h', c' = cell(input, (h, c)=None)`` with input (B, I) or (I,)."""

    _gates = 4

    def forward(self, input, hx=None):
        input, (h, c), batched = self._prepare(input, hx, 2)
        h, c = F.lstm_cell(input, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(_CellBase):
    """One GRU step; ``h' = cell(input, h=None)`` with input (B, I) or (I,)."""

    _gates = 3

    def forward(self, input, hx=None):
        input, (h,), batched = self._prepare(input, hx, 1)
        out = F.gru_cell(input, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return out if batched else out.squeeze(0)
