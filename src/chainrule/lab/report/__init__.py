"""The lab's report: one self-contained ``index.html`` built from ``results.json`` alone.

Summary table of verdicts at the top (each row links to its section), then per experiment the
claim, the method, the checks with every seed's value, the measured numbers, the figures (inline
SVG; none when matplotlib is missing), and the verdict with its rule. ``lang="zh"`` writes the
page in Chinese (titles, claims and labels; the method and rule text stay in English). No
network: no external scripts, styles, fonts or images.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

from . import figures as _figures

__all__ = ["render_html", "write_report"]

LABELS = {
    "en": {
        "title": "chainrule lab: the notes' claims, measured",
        "intro": "Every claim below was checked by an experiment on this machine. The verdict is computed from the measurements by the rule shown with it.",
        "summary": "Verdicts",
        "experiment": "Experiment",
        "verdict": "Verdict",
        "agree": "Seeds agree",
        "time": "Wall time (s)",
        "claim": "Claim",
        "method": "Method",
        "checks": "Checks",
        "quantity": "Quantity",
        "per_seed": "Per seed",
        "mean": "Mean",
        "se": "Std. error",
        "threshold": "Prediction",
        "outcome": "Outcome",
        "timings": "Timings (vary run to run)",
        "numbers": "Measurements",
        "figures": "Figures",
        "no_figures": "Figures need matplotlib (pip install 'chainrule[report]').",
        "rule": "Rule",
        "seed_verdicts": "Per-seed verdicts",
        "yes": "yes",
        "no": "no",
        "error": "This experiment raised an error:",
        "run": "Run",
        "budget": "budget",
        "seeds": "seeds",
        "machine": "machine",
        "versions": "versions",
        "elapsed": "elapsed",
        "notes": "Notes",
        "verdicts": {"supported": "supported", "not supported": "not supported", "mixed": "mixed", "error": "error"},
        "outcomes": {"holds": "holds", "fails": "fails", "unclear": "unclear"},
        "lang": "en",
    },
    "zh": {
        "title": "chainrule 实验室:逐条测量笔记中的论断",
        "intro": "下面每条论断都在本机上用实验检验过。结论由测量值按所附规则计算得出。",
        "summary": "结论一览",
        "experiment": "实验",
        "verdict": "结论",
        "agree": "各随机种子一致",
        "time": "耗时(秒)",
        "claim": "论断",
        "method": "方法",
        "checks": "检验项",
        "quantity": "测量量",
        "per_seed": "各种子取值",
        "mean": "均值",
        "se": "标准误",
        "threshold": "预测",
        "outcome": "结果",
        "timings": "计时(每次运行会有差异)",
        "numbers": "测量值",
        "figures": "图",
        "no_figures": "绘图需要 matplotlib(pip install 'chainrule[report]')。",
        "rule": "判定规则",
        "seed_verdicts": "各种子的结论",
        "yes": "是",
        "no": "否",
        "error": "该实验运行出错:",
        "run": "运行信息",
        "budget": "预算",
        "seeds": "随机种子",
        "machine": "机器",
        "versions": "版本",
        "elapsed": "总耗时",
        "notes": "备注",
        "verdicts": {"supported": "支持", "not supported": "不支持", "mixed": "部分支持", "error": "出错"},
        "outcomes": {"holds": "成立", "fails": "不成立", "unclear": "不确定"},
        "lang": "zh-CN",
    },
}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.v-supported{color:#1a7f37;font-weight:600}.v-not-supported{color:#b42318;font-weight:600}
.v-mixed{color:#9a6700;font-weight:600}.v-error{color:#fff;background:#b42318;padding:0 .3em}
section{border-top:2px solid #ddd;margin-top:2em;padding-top:.5em}pre{background:#f7f7f7;padding:.6em;overflow-x:auto;white-space:pre-wrap}
.fig svg{max-width:100%;height:auto}.meta{color:#555;font-size:.9em}code{background:#f3f3f3;padding:0 .2em}
"""

# Marks the page as rendered, so a headless browser can tell the script ran without error.
_SCRIPT = "document.addEventListener('DOMContentLoaded',function(){document.body.setAttribute('data-ready','1');});"


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _fmt(value) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.3e}"
        return f"{value:.4g}"
    if isinstance(value, list):
        if len(value) > 12:
            return "[" + ", ".join(_fmt(v) for v in value[:12]) + f", ... ({len(value)} values)]"
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) + "}"
    return str(value)


def _verdict_span(verdict, labels) -> str:
    css = "v-" + verdict.replace(" ", "-")
    return f'<span class="{css}">{_e(labels["verdicts"].get(verdict, verdict))}</span>'


def _checks_table(checks, labels) -> str:
    rows = [
        f"<tr><th>{labels['quantity']}</th><th>{labels['per_seed']}</th><th>{labels['mean']}</th>"
        f"<th>{labels['se']}</th><th>{labels['threshold']}</th><th>{labels['outcome']}</th></tr>"
    ]
    for c in checks:
        rows.append(
            f"<tr><td>{_e(c['description'] or c['name'])} <code>{_e(c['name'])}</code></td>"
            f"<td>{_e(_fmt(c['values']))}</td><td>{_e(_fmt(c['mean']))}</td><td>{_e(_fmt(c['se']))}</td>"
            f"<td>{_e(c['op'])} {_e(_fmt(c['threshold']))}</td><td>{_e(labels['outcomes'].get(c['outcome'], c['outcome']))}</td></tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def _numbers_table(result, labels) -> str:
    seeds = result["measurements"].get("seeds", {})
    if not seeds:
        return ""
    names = []
    for data in seeds.values():
        for name in data.get("measurements", {}):
            if name not in names:
                names.append(name)
    if not names:
        return ""
    head = "<tr><th>" + labels["quantity"] + "</th>" + "".join(f"<th>seed {_e(s)}</th>" for s in seeds) + "</tr>"
    body = "".join(
        f"<tr><td><code>{_e(n)}</code></td>"
        + "".join(f"<td>{_e(_fmt(d.get('measurements', {}).get(n, '')))}</td>" for d in seeds.values())
        + "</tr>"
        for n in names
    )
    return f"<h3>{labels['numbers']}</h3><table>{head}{body}</table>"


def _section(result, labels, lang, draw) -> str:
    rid = result["id"]
    title = result["title_zh"] if lang == "zh" else result["title_en"]
    claim = result["claim_zh"] if lang == "zh" else result["claim_en"]
    parts = [f'<section id="{_e(rid)}" data-experiment="{_e(rid)}">']
    parts.append(f"<h2>{_e(title)} <small><code>{_e(rid)}</code></small></h2>")
    parts.append(f"<p><b>{labels['claim']}:</b> {_e(claim)}</p>")
    parts.append(f"<p><b>{labels['method']}:</b> {_e(result['method'])}</p>")
    parts.append(f"<p><b>{labels['verdict']}:</b> {_verdict_span(result['verdict'], labels)}</p>")
    if result.get("error"):
        parts.append(f"<p>{labels['error']}</p><pre>{_e(result['error'])}</pre></section>")
        return "".join(parts)
    parts.append(f"<h3>{labels['checks']}</h3>" + _checks_table(result["measurements"].get("checks", []), labels))
    timed = result.get("timings", {}).get("checks", [])
    if timed:
        parts.append(f"<h3>{labels['timings']}</h3>" + _checks_table(timed, labels))
    parts.append(f"<h3>{labels['rule']}</h3><pre>{_e(result['rule'])}</pre>")
    seed_verdicts = ", ".join(
        f"seed {p['seed']}: {labels['verdicts'].get(p['verdict'], p['verdict'])}" for p in result["per_seed"]
    )
    agree = labels["yes"] if result["seeds_agree"] else labels["no"]
    parts.append(
        f"<p><b>{labels['seed_verdicts']}:</b> {_e(seed_verdicts)} &mdash; <b>{labels['agree']}:</b> {_e(agree)}</p>"
    )
    if result.get("figures"):
        parts.append(f"<h3>{labels['figures']}</h3>")
        if draw:
            for index, spec in enumerate(result["figures"]):
                try:
                    svg = _figures.draw(result, spec, index)
                except Exception as exc:  # one odd series must not cost the user the whole page
                    parts.append(
                        f'<p class="meta">figure {index} could not be drawn: {_e(type(exc).__name__)}: {_e(exc)}</p>'
                    )
                    continue
                if svg is not None:
                    parts.append(f'<div class="fig" data-figure="{_e(rid)}-{index}">{svg}</div>')
        else:
            parts.append(f'<p class="meta">{labels["no_figures"]}</p>')
    parts.append(_numbers_table(result, labels))
    if result.get("notes"):
        parts.append(f"<p><b>{labels['notes']}:</b> {_e(result['notes'])}</p>")
    parts.append("</section>")
    return "".join(parts)


def render_html(doc: dict, lang: str = "en", figures: bool | None = None) -> str:
    """The report page for a results document (as written to results.json)."""
    if lang not in LABELS:
        raise ValueError(f"render_html: lang should be 'en' or 'zh', got {lang!r}")
    labels = LABELS[lang]
    draw = _figures.available() if figures is None else figures
    results = list(doc["experiments"].values())
    rows = [
        f"<tr><th>{labels['experiment']}</th><th>{labels['verdict']}</th><th>{labels['agree']}</th><th>{labels['seeds']}</th><th>{labels['time']}</th></tr>"
    ]
    for r in results:
        title = r["title_zh"] if lang == "zh" else r["title_en"]
        agree = "" if r["verdict"] == "error" else labels["yes"] if r["seeds_agree"] else labels["no"]
        rows.append(
            f'<tr><td><a href="#{_e(r["id"])}">{_e(title)}</a> <code>{_e(r["id"])}</code></td>'
            f"<td>{_verdict_span(r['verdict'], labels)}</td><td>{_e(agree)}</td>"
            f"<td>{_e(', '.join(str(s) for s in r['seeds']))}</td><td>{r['wall_time_s']:.1f}</td></tr>"
        )
    meta = (
        f"<p class='meta'><b>{labels['run']}:</b> {labels['budget']} <code>{_e(doc.get('budget'))}</code>, "
        f"{labels['seeds']}: {_e(doc.get('seed'))} + k, "
        f"{labels['elapsed']} {float(doc.get('elapsed_s', 0.0)):.1f} s<br>{labels['versions']}: "
        f"<code>{_e(json.dumps(doc.get('versions', {})))}</code><br>{labels['machine']}: "
        f"<code>{_e(json.dumps(doc.get('machine', {})))}</code></p>"
    )
    body = "".join(_section(r, labels, lang, draw) for r in results)
    return (
        f'<!DOCTYPE html><html lang="{labels["lang"]}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(labels["title"])}</title>'
        f"<style>{_CSS}</style></head><body><h1>{_e(labels['title'])}</h1><p>{_e(labels['intro'])}</p>{meta}"
        f'<h2 id="summary">{labels["summary"]}</h2><table id="verdicts">{"".join(rows)}</table>{body}'
        f"<script>{_SCRIPT}</script></body></html>"
    )


def write_report(doc: dict, out, lang: str = "en", figures: bool | None = None) -> Path:
    """Write ``out/index.html`` for ``doc``; returns its path."""
    path = Path(out) / "index.html"
    text = render_html(doc, lang=lang, figures=figures)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
