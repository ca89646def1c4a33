"""The install self-test behind ``chainrule check``: gradcheck every row of the op table
(``chainrule.op_table.OPS``) in float64 on this machine. Inputs are drawn from a fixed seed."""

from __future__ import annotations

import time

import numpy as np

from .gradcheck import check_gradients
from .op_table import OPS, make_arrays
from .tensor import Tensor

__all__ = ["OPS", "make_inputs", "run"]


def make_inputs(case, rng):
    """Tensors for one case of the op table: floating inputs require grad, indices do not."""
    return [
        Tensor._wrap(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray) else a
        for a in make_arrays(case, rng)
    ]


def run(verbose=True, out=print):
    """Gradcheck every op; print a table; return True when all pass."""
    import chainrule  # the rows take the library as their first argument

    rng = np.random.default_rng(0)
    start = time.perf_counter()
    rows, all_ok = [], True
    for row in OPS:
        name, cases = row.name, row.cases
        worst, ok = 0.0, True
        for case in cases:
            result = check_gradients(lambda *inputs, row=row: row.fn(chainrule, *inputs), make_inputs(case, rng))
            worst = max(worst, result.max_rel_error)
            if not result.passed:
                ok = False
                if verbose:
                    out(f"  {name}: {result.message}")
        all_ok &= ok
        rows.append((name, len(cases), worst, ok))
    if verbose:
        out(f"{'op':<24}{'cases':>6}{'max rel err':>14}  result")
        for name, n, worst, ok in rows:
            out(f"{name:<24}{n:>6}{worst:>14.2e}  {'pass' if ok else 'FAIL'}")
        passed = sum(r[3] for r in rows)
        out(f"{passed}/{len(rows)} ops pass float64 gradcheck in {time.perf_counter() - start:.1f} s")
    return all_ok
