"""Convolution and pooling: im2col + one GEMM forward, transposed GEMM + col2im backward.

Notation for a 2-D convolution (``torch.nn.functional.conv2d``; a 1-D one is the same with H = 1):
x is (N, C, H, W), the weight W is (O, C/G, KH, KW) for G groups, stride s, dilation d, and the
input is zero-padded to xp of size (Hp, Wp). Then

    y[n, o, i, j] = b[o] + sum_{c, p, q} W[o, c, p, q] xp[n, g(o) C/G + c, i s + p d, j s + q d].

im2col gathers, for every output pixel (n, i, j), the K = KH KW C/G input values it reads into one
row of ``cols`` (M = N Ho Wo rows), so that for each group y = cols @ W_mat with W_mat (K, O/G):
the whole convolution is one GEMM (batched over groups). ``cols`` is built as a strided *view* of
the padded input (``as_strided``, no Python loop over pixels) and copied once into a contiguous
buffer laid out (G, M, KH, KW, C/G), i.e. channels innermost ("NHWC"), so that both the copy and
the GEMM stream through memory. When the input has few channels that copy reads short runs (KW
C/G values: 5 for a greyscale first layer), so the forward then builds the transposed matrix
instead (``im2col_t``: (G, K, M) with M = (N, Ho, Wo), read in runs of Wo pixels straight from
the NCHW input) and computes y^T = W_mat^T @ cols^T; whichever copy reads the longer runs is used.

Backward (g = dL/dy, reshaped to (G, M, O/G) the same way):

    dL/dW_mat = cols^T @ g                      (one GEMM: each weight meets every row it multiplied)
    dL/dcols  = g @ W_mat^T                     (one GEMM)
    dL/dxp    = col2im(dL/dcols)                (scatter-add every row back to the pixels it read)
    dL/db     = sum of g over n, i, j.

col2im is the adjoint of im2col: im2col copies xp[n, i s + p d, j s + q d] into column (p, q) of
row (n, i, j), so its transpose *adds* column (p, q) of every row back there. For a fixed kernel
offset (p, q) the target pixels form the strided slice xp[:, p d : p d + s (Ho - 1) + 1 : s, ...],
so col2im is KH KW strided additions (a loop over kernel offsets, never over pixels). That sum is
exactly the "full correlation of g with the flipped kernel" of the textbook derivation (see
docs/backprop.md). The padding is then cropped: padded positions are constants. For stride 1 the
backward computes that full correlation directly, as im2col of g (padded by d (K - 1) - pad) times
the flipped kernel: one contiguous copy and one GEMM instead of KH KW strided additions.

Pooling reuses the same strided windows: max pooling routes each output's gradient to the one
input its window selected (the first maximum in the window's row-major order, as PyTorch's CPU
kernel), average pooling spreads g / divisor uniformly over the window, and adaptive average
pooling is y = A_h x A_w^T / area with 0/1 window matrices, so dL/dx = A_h^T (g / area) A_w.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import Function
from .unary import require_floating

__all__ = [
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool2d",
    "AvgPool2d",
    "Convolution",
    "MaxPool2d",
    "col2im",
    "conv_output_size",
    "im2col",
    "im2col_t",
    "pool_output_size",
]


def conv_output_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    """floor((L + pads - d (k - 1) - 1) / s) + 1: the number of window positions."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def pool_output_size(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size: with ``ceil_mode`` a last partial window counts, but only
    if it starts inside the input or its left padding (never entirely in the right padding)."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _windows(xp, out_hw, stride, dilation, kernel, channels_last):
    """The (.., Ho, Wo, KH, KW, ..) strided view of every window of the padded array ``xp``.

    channels_last: xp is (N, Hp, Wp, G, Cg) and the view is (N, Ho, Wo, KH, KW, G, Cg);
    otherwise xp is (N, C, Hp, Wp) and the view is (N, C, Ho, Wo, KH, KW).
    """
    (ho, wo), (sh, sw), (dh, dw), (kh, kw) = out_hw, stride, dilation, kernel
    if channels_last:
        n, _, _, g, cg = xp.shape
        s_n, s_h, s_w, s_g, s_c = xp.strides
        shape = (n, ho, wo, kh, kw, g, cg)
        strides = (s_n, s_h * sh, s_w * sw, s_h * dh, s_w * dw, s_g, s_c)
    else:
        n, c = xp.shape[:2]
        s_n, s_c, s_h, s_w = xp.strides
        shape = (n, c, ho, wo, kh, kw)
        strides = (s_n, s_c, s_h * sh, s_w * sw, s_h * dh, s_w * dw)
    return as_strided(xp, shape, strides, writeable=False)


def _offset_slice(p, q, out_hw, stride, dilation):
    """The (rows, cols) slices of the padded input that kernel offset (p, q) reads for all outputs."""
    (ho, wo), (sh, sw), (dh, dw) = out_hw, stride, dilation
    return (
        slice(p * dh, p * dh + sh * (ho - 1) + 1, sh),
        slice(q * dw, q * dw + sw * (wo - 1) + 1, sw),
    )


def im2col(x, kernel, out_hw, stride, padding, dilation, groups):
    """The (G, M, K) matrix of every window of x (N, C, H, W): row (n, i, j) holds the KH KW C/G
    padded-input values output pixel (i, j) of sample n reads, ordered (KH, KW, C/G) so that the
    channels of one group are innermost ("NHWC").

    The input is copied once into a zero-padded NHWC buffer; the windows are then a strided view of
    it (no loop over pixels) and one copy makes them the contiguous GEMM operand.
    """
    n, c, h, w = x.shape
    (kh, kw), (ho, wo), (top, bottom, left, right) = kernel, out_hw, padding
    cg = c // groups
    xp = np.zeros((n, h + top + bottom, w + left + right, groups, cg), dtype=x.dtype)
    # (N, C, H, W) -> (N, G, Cg, H, W) -> (N, H, W, G, Cg) into the padded buffer's interior
    xp[:, top : top + h, left : left + w] = x.reshape(n, groups, cg, h, w).transpose(0, 3, 4, 1, 2)
    view = _windows(xp, out_hw, stride, dilation, kernel, channels_last=True)  # (N, Ho, Wo, KH, KW, G, Cg)
    cols = np.empty((groups, n, ho, wo, kh, kw, cg), dtype=x.dtype)
    np.copyto(cols, view.transpose(5, 0, 1, 2, 3, 4, 6))
    return cols.reshape(groups, n * ho * wo, kh * kw * cg)  # (G, M, K)


def im2col_t(x, kernel, out_hw, stride, padding, dilation, groups):
    """The same windows as ``im2col``, transposed: (G, K, M) with K ordered (C/G, KH, KW), the
    weight's own order, and M = (N, Ho, Wo). The copy reads rows of Wo consecutive pixels of the
    NCHW input, where ``im2col``'s reads runs of KW C/G values: the better layout when the input
    has few channels (a first layer on greyscale images: 28-pixel runs instead of 5-value ones).
    """
    n, c, h, w = x.shape
    (kh, kw), (ho, wo), (top, bottom, left, right) = kernel, out_hw, padding
    cg = c // groups
    if top or bottom or left or right:
        xp = np.zeros((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
        xp[:, :, top : top + h, left : left + w] = x
    else:
        xp = x
    view = _windows(xp, out_hw, stride, dilation, kernel, channels_last=False)  # (N, C, Ho, Wo, KH, KW)
    cols = np.empty((groups, cg, kh, kw, n, ho, wo), dtype=x.dtype)
    # (N, C, Ho, Wo, KH, KW) -> (N, G, Cg, Ho, Wo, KH, KW) -> (G, Cg, KH, KW, N, Ho, Wo)
    np.copyto(cols, view.reshape(n, groups, cg, ho, wo, kh, kw).transpose(1, 2, 5, 6, 0, 3, 4))
    return cols.reshape(groups, cg * kh * kw, n * ho * wo)  # (G, K, M)


def col2im(grad_cols_t, x_shape, kernel, out_hw, stride, padding, dilation, groups):
    """The adjoint of ``im2col``: add every entry of dL/dcols back onto the padded pixel it was read
    from. Takes dL/dcols transposed, (G, K, M) with K = (C/G, KH, KW) and M = (Ho, Wo, N) (batch
    innermost), the layout the GEMM W_mat^T @ g^T produces; returns the padded gradient laid out
    (G, C/G, Hp, Wp, N).

    For a fixed kernel offset (p, q) the targets form one strided slice of the padded input, so
    this is KH KW strided additions (a loop over kernel offsets, never over pixels). With the batch
    innermost each addition streams runs of Wo N consecutive values (640 for LeNet's second layer)
    instead of rows of Wo, which made it about twice as fast.
    """
    n, c, h, w = x_shape
    (kh, kw), (ho, wo), (top, bottom, left, right) = kernel, out_hw, padding
    cg = c // groups
    grad_cols_t = grad_cols_t.reshape(groups, cg, kh, kw, ho, wo, n)
    grad_xp = np.zeros((groups, cg, h + top + bottom, w + left + right, n), dtype=grad_cols_t.dtype)
    for p in range(kh):
        for q in range(kw):
            rows, columns = _offset_slice(p, q, out_hw, stride, dilation)
            grad_xp[:, :, rows, columns] += grad_cols_t[:, :, p, q]  # (G, Cg, Ho, Wo, N), contiguous
    return grad_xp


def _integers(op_name, name, value, count, what="convolution"):
    """An int or a sequence of ``count`` ints (one int repeats), as PyTorch's size arguments."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * count
    try:
        values = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{op_name}(): argument '{name}' must be an int or a tuple of ints, got {value!r}") from None
    if len(values) == 1:
        return values * count
    if len(values) != count:
        raise RuntimeError(
            f"{op_name}: expected {name} to be a single integer value or a list of {count} values to match the "
            f"{what} dimensions, but got {name}={list(values)}"
        )
    return values


def conv_arguments(op_name, x, weight, bias, stride, padding, dilation, groups, spatial):
    """Check a convolution's operands with PyTorch's rules and exception types, and resolve its
    arguments to the 2-D form: x (N, C, H, W), weight (O, C/G, KH, KW), stride and dilation
    (sh, sw), padding (top, bottom, left, right). A 1-D convolution is a 2-D one with H = 1 and an
    unbatched input gets a batch of one, both as views."""
    if x.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(
            f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input to {op_name}, but got input of "
            f"size: {list(x.shape)}"
        )
    if weight.ndim != spatial + 2:
        raise RuntimeError(
            f"{op_name}: expected a weight of {spatial + 2} dimensions (out_channels, in_channels / groups, "
            f"{'kW' if spatial == 1 else 'kH, kW'}), got weight of size {list(weight.shape)}"
        )
    if x.dtype != weight.dtype or (bias is not None and bias.dtype != weight.dtype):
        raise RuntimeError(
            f"{op_name}: input ({x.dtype}), weight ({weight.dtype}) and bias "
            f"({None if bias is None else bias.dtype}) must have the same dtype; cast them to match"
        )
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"{op_name}(): argument 'groups' must be int, got {type(groups).__name__}")
    stride = _integers(op_name, "stride", stride, spatial)
    dilation = _integers(op_name, "dilation", dilation, spatial)
    if min(stride) <= 0:
        raise RuntimeError(f"{op_name}: non-positive stride is not supported, got stride={list(stride)}")
    if min(dilation) <= 0:
        raise RuntimeError(f"{op_name}: non-positive dilation is not supported, got dilation={list(dilation)}")
    if groups <= 0:
        raise RuntimeError(f"{op_name}: non-positive groups is not supported, got groups={groups}")
    kernel = weight.shape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            pads = [(0, 0)] * spatial
        elif padding == "same":
            if max(stride) != 1:
                raise RuntimeError(f"{op_name}: padding='same' is not supported for strided convolutions")
            # d (k - 1) in total; an odd total puts the extra one at the end, as PyTorch does
            pads = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation)]
        else:
            raise RuntimeError(f"{op_name}: Invalid padding string: {padding!r}; expected 'same', 'valid' or ints")
    else:
        pads = [(p, p) for p in _integers(op_name, "padding", padding, spatial)]
        if min(p for p, _ in pads) < 0:
            raise RuntimeError(f"{op_name}: negative padding is not supported, got padding={[p for p, _ in pads]}")
    batched = x.ndim == spatial + 2
    channels = x.shape[1 if batched else 0]
    out_channels = weight.shape[0]
    if out_channels % groups:
        raise RuntimeError(
            f"{op_name}: Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
            f"weight of size {list(weight.shape)} instead"
        )
    if channels != weight.shape[1] * groups:
        raise RuntimeError(
            f"{op_name}: Given groups={groups}, weight of size {list(weight.shape)}, expected input"
            f"{list(x.shape)} to have {weight.shape[1] * groups} channels, but got {channels} channels instead"
        )
    if bias is not None and bias.shape != (out_channels,):
        raise RuntimeError(
            f"{op_name}: Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{out_channels} elements, but got bias of size {list(bias.shape)} instead"
        )
    padded = [size + lo + hi for size, (lo, hi) in zip(x.shape[x.ndim - spatial :], pads)]
    effective = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(e > p for e, p in zip(effective, padded)):
        raise RuntimeError(
            f"{op_name}: Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
            f"({' x '.join(map(str, effective))}). Kernel size can't be greater than actual input size"
        )
    x4 = x if batched else x[None]
    if spatial == 1:  # (N, C, L) -> (N, C, 1, L), (O, Cg, K) -> (O, Cg, 1, K)
        x4, weight = x4[:, :, None, :], weight[:, :, None, :]
        stride, dilation, pads = (1,) + stride, (1,) + dilation, [(0, 0)] + pads
    return x4, weight, stride, (*pads[0], *pads[1]), dilation


def _full_correlation(grad_output, weight, in_hw, full_pads, dilation, groups):
    """dL/dx of a stride-1 convolution as the full correlation of g with the flipped kernel
    (docs/backprop.md §9.2): im2col of g, padded by d (K - 1) - pad, times the kernel rotated by
    180 degrees with its channel axes swapped. It is the same sum as col2im(g W_mat^T), but one
    contiguous copy and one GEMM are cheaper than KH KW strided additions."""
    n, o = grad_output.shape[:2]
    _, cg, kh, kw = weight.shape
    og = o // groups
    cols = im2col(grad_output, (kh, kw), in_hw, (1, 1), full_pads, dilation, groups)  # (G, N H W, KH KW Og)
    # (O, Cg, KH, KW) -> (G, Og, Cg, KH, KW) -> flip KH, KW -> (G, KH, KW, Og, Cg) -> (G, KH KW Og, Cg)
    flipped = weight.reshape(groups, og, cg, kh, kw)[:, :, :, ::-1, ::-1].transpose(0, 3, 4, 1, 2)
    grad = np.matmul(cols, np.ascontiguousarray(flipped).reshape(groups, kh * kw * og, cg))  # (G, N H W, Cg)
    # (G, N, H, W, Cg) -> (N, G, Cg, H, W) -> (N, C, H, W)
    return grad.reshape(groups, n, *in_hw, cg).transpose(1, 0, 4, 2, 3).reshape(n, groups * cg, *in_hw)


class Convolution(Function):
    """2-D (or, with H = 1, 1-D) cross-correlation with stride, zero padding, dilation and groups
    (``conv2d`` and ``conv1d``, batched or not).

    Inputs: x (N, C, H, W), weight (O, C/G, KH, KW), bias (O,) or None. With cols (G, M, K) the
    im2col rows (module docstring) and W_mat (G, K, O/G) the weight reshaped to match,
    y = cols @ W_mat + b. Every output is linear in x, in W and in b, so

        dL/dW = cols^T @ g,    dL/db = sum_{n,i,j} g,    dL/dx = col2im(g @ W_mat^T),

    both GEMMs computed transposed (g^T @ cols and W_mat @ g^T) so that g^T is read with its
    pixels contiguous and col2im gets each kernel offset's block contiguous.

    col2im being the transpose of im2col: the sum, over the KH KW kernel offsets, of each
    offset's column of dL/dcols added back into the strided slice of pixels it was read from.
    With stride 1 that sum is computed as the full correlation of g with the flipped kernel
    (``_full_correlation``), the same numbers by a cheaper route.
    """

    saves = {0, 1}  # x and the weight, as torch; backward reads cols, x's copy in im2col layout

    @staticmethod
    def forward(ctx, x, weight, bias, stride=1, padding=0, dilation=1, groups=1, spatial=2, op_name="conv2d"):
        x4, w4, stride, padding, dilation = conv_arguments(
            op_name, x, weight, bias, stride, padding, dilation, groups, spatial
        )
        n, c, h, w = x4.shape
        o, cg, kh, kw = w4.shape
        og = o // groups
        top, bottom, left, right = padding
        ho = conv_output_size(h, kh, stride[0], top + bottom, dilation[0])
        wo = conv_output_size(w, kw, stride[1], left + right, dilation[1])
        # Which im2col: the one whose copy reads the longer contiguous runs (module docstring)
        columns = (wo if stride[1] == 1 else 1) > (cg * kw if dilation[1] == 1 else cg)
        if columns:
            cols = im2col_t(x4, (kh, kw), (ho, wo), stride, padding, dilation, groups)  # (G, K, M)
            out = np.matmul(w4.reshape(groups, og, cg * kh * kw), cols)  # (G, Og, M): the one GEMM
            # (G, Og, N, Ho, Wo) -> (N, G, Og, Ho, Wo) -> (N, O, Ho, Wo), one copy into NCHW
            y = out.reshape(groups, og, n, ho, wo).transpose(2, 0, 1, 3, 4).reshape(n, o, ho, wo)
        else:
            cols = im2col(x4, (kh, kw), (ho, wo), stride, padding, dilation, groups)  # (G, M, K)
            # (O, Cg, KH, KW) -> (G, Og, Cg, KH, KW) -> (G, KH, KW, Cg, Og) -> (G, K, Og), matching cols
            w_mat = np.ascontiguousarray(w4.reshape(groups, og, cg, kh, kw).transpose(0, 3, 4, 2, 1))
            w_mat = w_mat.reshape(groups, kh * kw * cg, og)
            out = np.matmul(cols, w_mat)  # (G, M, Og): the one GEMM
            # (G, N, Ho, Wo, Og) -> (N, G, Og, Ho, Wo) -> (N, O, Ho, Wo), one copy into NCHW
            y = out.reshape(groups, n, ho, wo, og).transpose(1, 0, 4, 2, 3).reshape(n, o, ho, wo)
        if bias is not None:
            y += bias.reshape(1, o, 1, 1)
        ctx.save_for_backward(x, weight, cols)
        ctx.meta = (x4.shape, x.shape, w4.shape, weight.shape, (ho, wo), stride, padding, dilation, groups, columns)
        out_shape = x.shape[: x.ndim - spatial - 1] + (o,) + ((ho, wo) if spatial == 2 else (wo,))
        return y.reshape(out_shape)

    @staticmethod
    def backward(ctx, grad_output):
        _, weight, cols = ctx.saved_tensors
        x4_shape, x_shape, w4_shape, w_shape, (ho, wo), stride, padding, dilation, groups, columns = ctx.meta
        n, c, h, w = x4_shape
        o, cg, kh, kw = w4_shape
        top, bottom, left, right = padding
        og = o // groups
        need_x, need_w = ctx.needs_input_grad[:2]
        need_b = ctx.needs_input_grad[2]
        grad_output = grad_output.astype(cols.dtype, copy=False).reshape(n, o, ho, wo)
        grad_x = grad_w = grad_b = None
        if need_w:
            # (N, O, Ho, Wo) -> (N, G, Og, Ho, Wo) -> (G, Og, N, Ho, Wo) -> (G, Og, M): g^T, M in cols' row order
            grad_t = np.ascontiguousarray(grad_output.reshape(n, groups, og, ho, wo).transpose(1, 2, 0, 3, 4))
            grad_t = grad_t.reshape(groups, og, n * ho * wo)
            if columns:  # (G, Og, M) @ (G, M, K): K is already the weight's (Cg, KH, KW)
                grad_w = np.matmul(grad_t, np.swapaxes(cols, 1, 2)).reshape(w_shape)
            else:
                grad_w_t = np.matmul(grad_t, cols)  # (G, Og, K) = (cols^T @ g)^T
                # (G, Og, KH, KW, Cg) -> (G, Og, Cg, KH, KW) -> (O, Cg, KH, KW)
                grad_w = grad_w_t.reshape(groups, og, kh, kw, cg).transpose(0, 1, 4, 2, 3).reshape(w_shape)
        if need_x:
            # the full correlation of g with the flipped kernel needs a padding of d (K - 1) - pad
            # on each side; it exists (>= 0) unless the forward padded more than the kernel spans
            span_h, span_w = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
            full_pads = (span_h - top, span_h - bottom, span_w - left, span_w - right)
            # Both routes cost about one GEMM: the full correlation's is (N H W, KH KW Og, Cg),
            # col2im's (KH KW Cg, Og, N Ho Wo) plus its slower strided adds; take the full
            # correlation when its GEMM is no bigger ('same' padding, Og <= Cg).
            if stride == (1, 1) and min(full_pads) >= 0 and h * w * og <= ho * wo * cg:
                weight4 = weight.reshape(w4_shape)  # conv1d's (O, Cg, K) as (O, Cg, 1, K)
                grad_x = _full_correlation(grad_output, weight4, (h, w), full_pads, dilation, groups).reshape(x_shape)
            else:
                # (N, O, Ho, Wo) -> (N, G, Og, Ho, Wo) -> (G, Og, Ho, Wo, N) -> (G, Og, M'): g^T with
                # the batch innermost, the order col2im adds fastest in
                grad_tn = np.ascontiguousarray(grad_output.reshape(n, groups, og, ho, wo).transpose(1, 2, 3, 4, 0))
                w_mat_t = np.swapaxes(weight.reshape(groups, og, cg * kh * kw), 1, 2)  # (G, K, Og), K = (Cg, KH, KW)
                grad_cols_t = np.matmul(w_mat_t, grad_tn.reshape(groups, og, -1))  # (G, K, M') = (g @ W_mat^T)^T
                grad_xp = col2im(grad_cols_t, x4_shape, (kh, kw), (ho, wo), stride, padding, dilation, groups)
                # crop the padding; (G, Cg, H, W, N) -> (N, G, Cg, H, W) -> (N, C, H, W) -> x's shape
                grad_x = grad_xp[:, :, top : top + h, left : left + w].transpose(4, 0, 1, 2, 3).reshape(x_shape)
        if need_b:
            grad_b = grad_output.sum(axis=(0, 2, 3))
        return grad_x, grad_w, grad_b


def _pad_for_windows(x, out_hw, stride, dilation, kernel, padding, fill):
    """x (N, C, H, W) padded by ``padding`` on the top/left and by as much on the bottom/right
    as the last window reaches (ceil_mode windows may overhang the padding), filled with ``fill``."""
    n, c, h, w = x.shape
    (ho, wo), (sh, sw), (dh, dw), (kh, kw), (ph, pw) = out_hw, stride, dilation, kernel, padding
    hp = max((ho - 1) * sh + dh * (kh - 1) + 1, h + 2 * ph)
    wp = max((wo - 1) * sw + dw * (kw - 1) + 1, w + 2 * pw)
    xp = np.full((n, c, hp, wp), fill, dtype=x.dtype)
    xp[:, :, ph : ph + h, pw : pw + w] = x
    return xp


def as_4d(x, spatial):
    """(N, C, *spatial) or unbatched (C, *spatial) as a (N, C, H, W) view (H = 1 for 1-D)."""
    x4 = x if x.ndim == spatial + 2 else x[None]
    return x4[:, :, None, :] if spatial == 1 else x4


def pool_arguments(op_name, x, kernel_size, stride, padding, dilation, ceil_mode, spatial):
    """Check a pooling's arguments with PyTorch's rules and messages and resolve them to the 2-D
    form (pairs; H = 1 for 1-D). Returns (x4, kernel, stride, padding, dilation, out_hw, out_shape)."""
    if x.ndim not in (spatial + 1, spatial + 2) or x.size == 0 and x.ndim == spatial + 1:
        raise RuntimeError(
            f"{op_name}: Expected {spatial + 1}D or {spatial + 2}D (batch mode) tensor for input, but got "
            f"{list(x.shape)}"
        )
    what = "pooling"
    kernel = _integers(op_name, "kernel_size", kernel_size, spatial, what)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else stride
    stride = _integers(op_name, "stride", stride, spatial, what)
    padding = _integers(op_name, "padding", padding, spatial, what)
    dilation = _integers(op_name, "dilation", dilation, spatial, what)
    if min(kernel) <= 0:
        raise RuntimeError(f"{op_name}: kernel_size must be greater than zero, but got {list(kernel)}")
    if min(stride) <= 0:
        raise RuntimeError(f"{op_name}: stride should not be zero, got stride={list(stride)}")
    if min(padding) < 0:
        raise RuntimeError(f"{op_name}: pad must be non-negative, but got pad: {list(padding)}")
    if min(dilation) <= 0:
        raise RuntimeError(f"{op_name}: dilation should be greater than zero, but got dilation={list(dilation)}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(
                f"{op_name}: pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} "
                f"and dilation={d}"
            )
    sizes = x.shape[x.ndim - spatial :]
    out = tuple(pool_output_size(*args, ceil_mode) for args in zip(sizes, kernel, stride, padding, dilation))
    if min(out) <= 0:
        channels = x.shape[x.ndim - spatial - 1]
        raise RuntimeError(
            f"{op_name}: Given input size: ({'x'.join(map(str, (channels,) + sizes))}). Calculated output size: "
            f"({'x'.join(map(str, (channels,) + out))}). Output size is too small"
        )
    out_shape = x.shape[: x.ndim - spatial] + out
    if spatial == 1:
        kernel, stride, dilation, out = ((1,) + v for v in (kernel, stride, dilation, out))
        padding = (0,) + padding
    return as_4d(x, spatial), kernel, stride, padding, dilation, out, out_shape


def max_pool_argmax(x, kernel, stride, padding, dilation, out_hw):
    """The max of every window of x (N, C, H, W) and its position in the window (row-major over
    the kernel).

    A running max over the KH KW kernel offsets, each a strided slice of the padded input (no
    copy of the windows, no loop over pixels; no padded copy at all when the windows lie inside
    x). It is PyTorch's CPU kernel's rule: a later element replaces the max only if it is strictly
    greater, or NaN, so ties keep the first maximum in row-major window order and a NaN
    propagates. The position is the largest offset k whose element replaced the max, kept as a
    running ``max(arg, k * better)`` (branch-free, faster than a masked assignment).
    """
    lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    if _windows_inside(x.shape, out_hw, stride, dilation, kernel, padding):
        xp = x  # no padding and no ceil_mode overhang: the windows are strided slices of x itself
    else:
        xp = _pad_for_windows(x, out_hw, stride, dilation, kernel, padding, lowest)
    best, arg = _running_max(xp, kernel, out_hw, stride, dilation, check_nan=False)
    # np.maximum propagates NaN, so a window holds a NaN exactly when its max is NaN: checking the
    # (smaller) output finds them, and only then is the position recomputed with the NaN rule.
    if x.dtype.kind == "f" and np.isnan(best).any():
        best, arg = _running_max(xp, kernel, out_hw, stride, dilation, check_nan=True)
    return best, arg


def _windows_inside(shape, out_hw, stride, dilation, kernel, padding):
    """Whether every window lies inside the unpadded input (no padding, no ceil_mode overhang)."""
    return padding == (0, 0) and all(
        (o - 1) * s + d * (k - 1) + 1 <= size for o, s, d, k, size in zip(out_hw, stride, dilation, kernel, shape[2:])
    )


def _running_max(xp, kernel, out_hw, stride, dilation, check_nan):
    kh, kw = kernel
    rows, cols = _offset_slice(0, 0, out_hw, stride, dilation)
    best = xp[:, :, rows, cols].copy()
    arg = np.zeros(best.shape, dtype=np.int8 if kh * kw <= 127 else np.intp)
    better = np.empty(best.shape, dtype=bool)
    chosen = np.empty_like(arg)
    for k in range(1, kh * kw):
        rows, cols = _offset_slice(k // kw, k % kw, out_hw, stride, dilation)
        candidate = xp[:, :, rows, cols]
        np.greater(candidate, best, out=better)
        if check_nan:
            better |= np.isnan(candidate)
        np.maximum(best, candidate, out=best)  # NaN-propagating, as the kernel's isnan rule
        # offsets only grow, so the last one that replaced the max is the largest k with better set
        np.multiply(better, arg.dtype.type(k), out=chosen)
        np.maximum(arg, chosen, out=arg)
    return best, arg


def max_pool_indices(arg, width, kernel, stride, padding, dilation, out_hw):
    """The flat index h * W + w in the (unpadded) input of each window's selected element."""
    arg = arg.astype(np.intp)
    rows = np.arange(out_hw[0])[:, None] * stride[0] - padding[0] + (arg // kernel[1]) * dilation[0]
    cols = np.arange(out_hw[1])[None, :] * stride[1] - padding[1] + (arg % kernel[1]) * dilation[1]
    return (rows * width + cols).astype(np.int64)


class MaxPool2d(Function):
    """y = max over each (dilated, strided) window of the -inf-padded input (``max_pool2d`` and,
    with H = 1, ``max_pool1d``; batched or not).

    Only the selected element (the window's first maximum in row-major order) affects y, so
    dL/dx receives g at that element and 0 elsewhere; overlapping windows (stride < kernel) that
    select the same element add their gradients. The backward is one masked strided add per kernel
    offset: offset (p, q) gets g where the window's argmax is p KW + q.
    """

    saves = set()  # only the argmax positions, computed in forward

    @staticmethod
    def forward(
        ctx,
        x,
        kernel_size,
        stride=None,
        padding=0,
        dilation=1,
        ceil_mode=False,
        return_indices=False,
        spatial=2,
        op_name="max_pool2d",
    ):
        x4, kernel, stride, padding, dilation, out_hw, out_shape = pool_arguments(
            op_name, x, kernel_size, stride, padding, dilation, ceil_mode, spatial
        )
        out, arg = max_pool_argmax(x4, kernel, stride, padding, dilation, out_hw)
        ctx.save_for_backward(arg)
        if return_indices:  # only on request: the flat indices cost as much as the max itself
            flat = max_pool_indices(arg, x4.shape[3], kernel, stride, padding, dilation, out_hw)
            ctx.indices = flat.reshape(out_shape)
        ctx.meta = (x4.shape, x.shape, kernel, stride, padding, dilation, out_hw)
        return out.reshape(out_shape)

    @staticmethod
    def backward(ctx, grad_output):
        (arg,) = ctx.saved_tensors
        shape, x_shape, (kh, kw), stride, padding, dilation, out_hw = ctx.meta
        grad_output = grad_output.reshape(arg.shape)
        # windows that cannot overlap (stride >= the dilated kernel) write disjoint slices, so
        # each offset's share is stored directly; otherwise shares add up. Multiplying by the
        # boolean mask is branch-free, several times faster than np.where on random masks.
        disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, (kh, kw)))
        # windows that tile the input exactly (kernel = stride, no padding, nothing left over) write
        # every element once, so the buffer needs no zeros
        tiled = padding == (0, 0) and dilation == (1, 1) and stride == (kh, kw)
        tiled = tiled and shape[2:] == (out_hw[0] * kh, out_hw[1] * kw)
        padded_shape = _padded_shape(shape, out_hw, stride, dilation, (kh, kw), padding)
        grad_xp = (np.empty if tiled else np.zeros)(padded_shape, dtype=grad_output.dtype)
        for p in range(kh):  # one masked strided write (or add) per kernel offset
            for q in range(kw):
                rows, cols = _offset_slice(p, q, out_hw, stride, dilation)
                if disjoint:
                    np.multiply(grad_output, arg == p * kw + q, out=grad_xp[:, :, rows, cols])
                else:
                    grad_xp[:, :, rows, cols] += grad_output * (arg == p * kw + q)
        return _crop(grad_xp, shape, padding).reshape(x_shape)


def _padded_shape(shape, out_hw, stride, dilation, kernel, padding):
    n, c, h, w = shape
    hp = max((out_hw[0] - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1, h + 2 * padding[0])
    wp = max((out_hw[1] - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1, w + 2 * padding[1])
    return (n, c, hp, wp)


def _crop(grad_xp, shape, padding):
    h, w = shape[2:]
    return grad_xp[:, :, padding[0] : padding[0] + h, padding[1] : padding[1] + w]


def avg_pool_divisor(size, kernel, stride, pad, out, count_include_pad):
    """Per output position along one axis: the window length PyTorch divides by. The window is
    clipped to the padded input (a ceil_mode overhang never counts); without count_include_pad it
    is further clipped to the input itself."""
    start = np.arange(out) * stride - pad
    end = np.minimum(start + kernel, size + pad)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


class AvgPool2d(Function):
    """y = (sum over each strided window of the zero-padded input) / divisor (``avg_pool2d`` and,
    with H = 1, ``avg_pool1d``; batched or not).

    y is linear in x: each input in a window contributes 1/divisor to that window's output, so
    dL/dx spreads g / divisor uniformly over the window (summing over overlapping windows); the
    padded border, a constant, is cropped. The divisor is the window area (count_include_pad),
    the number of real inputs in it, or ``divisor_override``.
    """

    saves = set()

    @staticmethod
    def forward(
        ctx,
        x,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode=False,
        count_include_pad=True,
        divisor_override=None,
        spatial=2,
        op_name="avg_pool2d",
    ):
        if spatial == 2 and x.ndim < 3:  # torch fails on the missing dim -3 with an IndexError
            raise IndexError(
                f"{op_name}: Dimension out of range: expected a 3D (C, H, W) or 4D (N, C, H, W) input, "
                f"but got {list(x.shape)}"
            )
        x4, kernel, stride, padding, _, out_hw, out_shape = pool_arguments(
            op_name, x, kernel_size, stride, padding, 1, ceil_mode, spatial
        )
        if divisor_override is not None and divisor_override == 0:
            raise RuntimeError(f"{op_name}: divisor must be not zero")
        xp = _pad_for_windows(x4, out_hw, stride, (1, 1), kernel, padding, 0)
        total = np.zeros(x4.shape[:2] + tuple(out_hw), dtype=np.result_type(x.dtype, np.float32))
        for p in range(kernel[0]):  # one strided add per kernel offset
            for q in range(kernel[1]):
                rows, cols = _offset_slice(p, q, out_hw, stride, (1, 1))
                total += xp[:, :, rows, cols]
        if divisor_override:
            divisor = np.full(tuple(out_hw), divisor_override)
        else:
            size_h, size_w = x4.shape[2:]
            div_h = avg_pool_divisor(size_h, kernel[0], stride[0], padding[0], out_hw[0], count_include_pad)
            div_w = avg_pool_divisor(size_w, kernel[1], stride[1], padding[1], out_hw[1], count_include_pad)
            divisor = np.outer(div_h, div_w)
        inv = (1.0 / divisor).astype(total.dtype)
        ctx.save_for_backward(inv)
        ctx.meta = (x4.shape, x.shape, kernel, stride, padding, out_hw)
        out = total / divisor
        if x.dtype.kind != "f":  # integer average pooling truncates, as PyTorch's
            out = np.trunc(out)
        return out.astype(x.dtype, copy=False).reshape(out_shape)

    @staticmethod
    def backward(ctx, grad_output):
        (inv,) = ctx.saved_tensors
        shape, x_shape, (kh, kw), stride, padding, out_hw = ctx.meta
        share = grad_output.reshape(shape[:2] + tuple(out_hw)) * inv.astype(grad_output.dtype, copy=False)
        grad_xp = np.zeros(_padded_shape(shape, out_hw, stride, (1, 1), (kh, kw), padding), dtype=share.dtype)
        for p in range(kh):  # the adjoint of the forward's sums: one strided add per kernel offset
            for q in range(kw):
                rows, cols = _offset_slice(p, q, out_hw, stride, (1, 1))
                grad_xp[:, :, rows, cols] += share
        return _crop(grad_xp, shape, padding).reshape(x_shape)


def adaptive_windows(size: int, out: int):
    """PyTorch's adaptive windows along one axis: window i covers [floor(i L / out), ceil((i + 1) L / out))."""
    starts = (np.arange(out) * size) // out
    ends = ((np.arange(out) + 1) * size + out - 1) // out
    return starts, ends


def _window_matrix(size, out, dtype):
    """A (out, size) 0/1 matrix, row i marking the inputs of adaptive window i."""
    starts, ends = adaptive_windows(size, out)
    positions = np.arange(size)
    return ((positions >= starts[:, None]) & (positions < ends[:, None])).astype(dtype)


def adaptive_output_size(op_name, x, output_size, spatial=2):
    """Check an adaptive pooling's input ((C,) + spatial or (N, C) + spatial, non-empty spatial
    dims) and resolve ``output_size`` (an int, or a tuple whose None entries keep the input's
    size) to the 2-D form (1, L) for 1-D pooling."""
    if spatial == 1:
        if x.ndim not in (2, 3) or x.shape[-1] == 0:
            raise RuntimeError(
                f"{op_name}(): Expected 2 to 3 dimensions with a non-empty length, but got input of shape "
                f"{list(x.shape)}"
            )
        if output_size is None:
            raise TypeError(f"{op_name}(): argument 'output_size' must be tuple of ints, not NoneType")
        sizes = (output_size,) if isinstance(output_size, (int, np.integer)) else tuple(output_size)
        if len(sizes) != 1:
            raise RuntimeError(f"{op_name}() argument 'output_size' should contain one int (got {len(sizes)})")
        if int(sizes[0]) < 0:
            raise RuntimeError(f"{op_name}(): output_size must be greater than or equal to 0, got {sizes[0]}")
        return (1, int(sizes[0]))
    if x.ndim not in (3, 4) or 0 in x.shape[-2:]:
        raise RuntimeError(
            f"{op_name}(): Expected 3D or 4D tensor with non-zero sizes for the spatial dims, but got {list(x.shape)}"
        )
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size, output_size)
    output_size = tuple(output_size)
    if len(output_size) != 2:
        raise RuntimeError(f"{op_name}(): output_size must be 2, got {len(output_size)} numbers: {list(output_size)}")
    sizes = tuple(x.shape[-2 + i] if o is None else int(o) for i, o in enumerate(output_size))
    if min(sizes) < 0:
        raise RuntimeError(f"{op_name}(): elements of output_size must be greater than or equal to 0, got {sizes}")
    return sizes


class AdaptiveAvgPool2d(Function):
    """Average over PyTorch's adaptive windows, as two matrix products (``adaptive_avg_pool2d``
    and, with H = 1, ``adaptive_avg_pool1d``; batched or not).

    With A_h (Ho, H) and A_w (Wo, W) the 0/1 window matrices and area[i, j] their row counts'
    product, y = (A_h x A_w^T) / area: linear in x, so dL/dx = A_h^T (g / area) A_w.
    """

    saves = set()

    @staticmethod
    def forward(ctx, x, output_size, spatial=2, op_name="adaptive_avg_pool2d"):
        require_floating(op_name, x, error=RuntimeError)
        ho, wo = adaptive_output_size(op_name, x, output_size, spatial)
        x2 = x[..., None, :] if spatial == 1 else x  # (.., L) -> (.., 1, L)
        a_h = _window_matrix(x2.shape[-2], ho, x.dtype)
        a_w = _window_matrix(x2.shape[-1], wo, x.dtype)
        area = np.outer(a_h.sum(axis=1), a_w.sum(axis=1)) if ho and wo else np.ones((ho, wo), x.dtype)
        ctx.save_for_backward(a_h, a_w, area)
        ctx.meta = (x.shape, spatial)
        out = np.matmul(np.matmul(a_h, x2), a_w.T) / area  # (.., Ho, H) (.., H, W) (W, Wo) -> (.., Ho, Wo)
        return out[..., 0, :] if spatial == 1 else out

    @staticmethod
    def backward(ctx, grad_output):
        a_h, a_w, area = ctx.saved_tensors
        shape, spatial = ctx.meta
        if spatial == 1:
            grad_output = grad_output[..., None, :]
        return np.matmul(np.matmul(a_h.T, grad_output / area), a_w).reshape(shape)


class AdaptiveMaxPool2d(Function):
    """Max over PyTorch's adaptive windows (``adaptive_max_pool2d`` and, with H = 1,
    ``adaptive_max_pool1d``; batched or not).

    The windows have different sizes, so each is padded to the largest one through an index
    gather that repeats the window's last element (which leaves its max unchanged); as for max
    pooling, dL/dx gets g at each window's first maximum (added where overlapping windows pick
    the same element) and 0 elsewhere.
    """

    saves = set()  # only the argmax indices

    @staticmethod
    def forward(ctx, x, output_size, spatial=2, op_name="adaptive_max_pool2d"):
        ho, wo = adaptive_output_size(op_name, x, output_size, spatial)
        if 0 in (ho, wo):
            raise RuntimeError(f"{op_name}(): output_size must be positive, got {(ho, wo)[2 - spatial :]}")
        x_shape = x.shape
        if spatial == 1:
            x = x[..., None, :]  # (.., L) -> (.., 1, L)
        h, w = x.shape[-2:]
        index_h = _adaptive_gather(h, ho)  # (Ho, kh_max)
        index_w = _adaptive_gather(w, wo)  # (Wo, kw_max)
        # (.., Ho, kh, Wo, kw) -> (.., Ho, Wo, kh, kw) -> (.., Ho, Wo, kh kw)
        windows = x[..., index_h[:, :, None, None], index_w[None, None, :, :]]
        windows = np.moveaxis(windows, -3, -2).reshape(x.shape[:-2] + (ho, wo, index_h.shape[1] * index_w.shape[1]))
        arg = windows.argmax(axis=-1)
        out = np.take_along_axis(windows, arg[..., None], axis=-1)[..., 0]
        kw_max = index_w.shape[1]
        rows = index_h[np.arange(ho)[:, None], arg // kw_max]
        cols = index_w[np.arange(wo)[None, :], arg % kw_max]
        flat = rows * w + cols
        ctx.save_for_backward(flat)
        ctx.indices = flat[..., 0, :] if spatial == 1 else flat
        ctx.meta = (x.shape, x_shape)
        return out[..., 0, :] if spatial == 1 else out

    @staticmethod
    def backward(ctx, grad_output):
        (flat,) = ctx.saved_tensors
        shape, x_shape = ctx.meta
        lead = int(np.prod(shape[:-2]))
        grad = np.zeros((lead, shape[-2] * shape[-1]), dtype=grad_output.dtype)
        # overlapping adaptive windows may pick the same element: add, never overwrite
        outputs = flat.shape[-2] * flat.shape[-1]
        np.add.at(grad, (np.arange(lead)[:, None], flat.reshape(lead, outputs)), grad_output.reshape(lead, outputs))
        return grad.reshape(x_shape)


def _adaptive_gather(size, out):
    """Per adaptive window along one axis, the input positions it covers, padded to the longest
    window by repeating its last position (a repeat cannot change a max, nor come first)."""
    starts, ends = adaptive_windows(size, out)
    longest = int((ends - starts).max())
    positions = starts[:, None] + np.arange(longest)[None, :]
    return np.minimum(positions, ends[:, None] - 1)
