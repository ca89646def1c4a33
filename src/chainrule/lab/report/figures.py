"""Figures as inline SVG, drawn with matplotlib (the optional ``report`` extra) from a Result.

Only ``matplotlib.figure.Figure`` is used (no pyplot), so drawing touches no global backend
state and works headless. Each SVG gets its own hash salt so the element ids of two figures on
one page never collide, and the same numbers give the same SVG bytes.
"""

from __future__ import annotations

import io
import math
import re
import warnings

import numpy as np


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _per_seed(result: dict, key: str, where: str) -> list:
    """``key`` from every seed's series or measurements (bars may also show timings)."""
    values = []
    timings = result.get("timings", {}).get("seeds", {})
    for seed, seed_data in result["measurements"].get("seeds", {}).items():
        if key in seed_data.get(where, {}):
            values.append(seed_data[where][key])
        elif where == "measurements" and key in timings.get(seed, {}):
            values.append(timings[seed][key])
    return values


def _finite(array):
    array = np.asarray(array, dtype=float)
    return np.where(np.isfinite(array), array, np.nan)


def _mean_band(rows):
    """Mean and min/max over seeds of equally long curves (None if they differ in length)."""
    lengths = {len(r) for r in rows}
    if len(lengths) != 1:
        return None
    stack = _finite(rows)
    # A point where every seed diverged (NaN) stays NaN, a gap in the curve; no warning for it.
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(stack, axis=0), np.nanmin(stack, axis=0), np.nanmax(stack, axis=0)


def draw(result: dict, spec: dict, index: int) -> str | None:
    """One figure of ``result`` as an ``<svg>`` string, or None when its series are missing."""
    import matplotlib
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.0, 3.4), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    drew = False
    if spec["kind"] == "line":
        xs = _per_seed(result, spec["x"], "series")
        for name in spec["y"]:
            rows = _per_seed(result, name, "series")
            if not rows or not xs:
                continue
            band = _mean_band(rows)
            x_all = _finite(xs[0])
            if band is None or len(band[0]) > len(x_all):
                # Seeds of different lengths (a run that stopped early): one line per seed.
                color = None
                for k, row in enumerate(rows):
                    n = min(len(row), len(x_all))
                    (line,) = ax.plot(x_all[:n], _finite(row)[:n], label=name if k == 0 else None, color=color)
                    color = line.get_color()
            else:
                mean, low, high = band
                x = x_all[: len(mean)]
                (line,) = ax.plot(x, mean, label=name, marker="o" if len(mean) <= 12 else None, markersize=3)
                if len(rows) > 1:
                    ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
            drew = True
    else:
        labels = spec["x"] if isinstance(spec["x"], list) else list(spec["y"])
        means, errs = [], []
        for name in spec["y"]:
            values = [v for v in _per_seed(result, name, "measurements") if isinstance(v, (int, float))]
            finite = [v for v in values if math.isfinite(v)]
            means.append(float(np.mean(finite)) if finite else float("nan"))
            errs.append(float(np.std(finite, ddof=1) / math.sqrt(len(finite))) if len(finite) > 1 else 0.0)
        if any(math.isfinite(m) for m in means):
            ax.bar(range(len(means)), means, yerr=errs, capsize=3, color="#4c72b0")
            ax.set_xticks(range(len(means)))
            ax.set_xticklabels(
                labels, rotation=20 if len(labels) > 4 else 0, ha="right" if len(labels) > 4 else "center"
            )
            drew = True
    if not drew:
        return None
    ax.set_title(spec.get("title", ""), fontsize=10)
    ax.set_xlabel(spec.get("xlabel", ""))
    ax.set_ylabel(spec.get("ylabel", ""))
    if spec.get("logy"):
        ax.set_yscale("log")
    if spec.get("logx"):
        ax.set_xscale("log")
    if spec["kind"] == "line" and len(spec["y"]) > 1:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    # Fixed margins: tight_layout measures every tick label and doubles the drawing time.
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.2 if spec["kind"] == "bar" else 0.15, top=0.9)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"{result['id']}-{index}", "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    # Inline <svg> only: the XML prolog and DOCTYPE are not allowed inside HTML, and the RDF
    # metadata block (creator, format) is dead weight repeated in every figure.
    text = re.sub(r"<metadata>.*?</metadata>", "", text[text.index("<svg") :], flags=re.DOTALL)
    return text
