"""The harness shared by the chainrule-vs-PyTorch benchmarks (bench_core.py describes the design).

Each measurement runs in a fresh worker process that imports only its own framework, with the
thread env set before numpy/torch are imported; the parent alternates chainrule, torch,
chainrule, torch, ... round by round and reports the median of the per-round ratios. A script
keeps its workloads and its printing; this module holds the plumbing:

- ``parser(doc)``, ``common_arguments(parser, rounds=, steps=, warmup=)`` (--rounds/--steps/--warmup/
  --threads/--src and the hidden --worker option), ``workload_argument(parser, workloads)``,
  ``workload_names(spec, workloads)`` and ``run(parser, worker, parent)``.
- ``start_worker(a)`` (thread env + --src on sys.path), ``import_framework(a)``,
  ``check_isolation(a)`` and ``time_steps(step, warmup, steps)``: the worker side.
- ``step_args(a)``, ``run_worker(script, framework, args, src)`` and ``alternate(script, args, rounds, src, on_round)``:
  the parent side, one JSON line per worker.
- ``ratios(rounds)``, ``summarise(ratios)``, ``print_versions(rec)``, ``load()``, ``thread_text(threads)``:
  the shared parts of the report.

Python puts a script's own folder first on sys.path, so ``import _harness`` works from any working
directory (``python benchmarks/bench_rnn.py``). Nothing here imports numpy or a framework at module
level: the workers import theirs only after start_worker() has set the thread env.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

FRAMEWORKS = ("chainrule", "torch")
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
THREADS_HELP = "default for OMP/OPENBLAS/MKL_NUM_THREADS (setdefault: the env wins)"
SRC_HELP = (
    "prepend this path (e.g. OTHER_CHECKOUT/src) to sys.path/PYTHONPATH in the chainrule worker; "
    "default: the installed chainrule"
)


# ----------------------------------------------------------------------------- options


def parser(doc):
    """An ArgumentParser described by the first paragraph of ``doc`` (the script's docstring)."""
    return argparse.ArgumentParser(
        description=doc.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )


def common_arguments(
    parser,
    rounds,
    steps,
    warmup,
    rounds_help="chainrule/torch worker pairs",
    steps_help="timed steps per worker",
    warmup_help="untimed warm-up steps per worker",
    threads_help=THREADS_HELP,
    src_help=SRC_HELP,
):
    """Add --rounds, --steps, --warmup (with these defaults), --threads (2), --src and the hidden --worker."""
    parser.add_argument("--rounds", type=int, default=rounds, help=rounds_help)
    parser.add_argument("--steps", type=int, default=steps, help=steps_help)
    parser.add_argument("--warmup", type=int, default=warmup, help=warmup_help)
    parser.add_argument("--threads", type=int, default=2, help=threads_help)
    parser.add_argument("--src", default=None, help=src_help)
    parser.add_argument("--worker", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    return parser


def workload_argument(parser, workloads):
    """Add --workload ('all' or a comma list of ``workloads``; default 'all')."""
    parser.add_argument("--workload", default="all", help=f"'all' or a comma list of {', '.join(workloads)}")


def workload_names(spec, workloads):
    """The workloads a --workload value names, in order; exit on an unknown one."""
    names = tuple(workloads) if spec == "all" else tuple(spec.split(","))
    bad = [w for w in names if w not in workloads]
    if bad:
        sys.exit(f"unknown workload(s) {bad}; choose from {tuple(workloads)} or 'all'")
    return names


def run(ap, worker, parent):
    """Parse ``ap``'s command line, then run ``worker(a)`` under --worker and ``parent(a)`` otherwise."""
    a = ap.parse_args()
    return worker(a) if a.worker else parent(a)


# ----------------------------------------------------------------------------- worker side


def set_thread_defaults(threads):
    """os.environ.setdefault each of OMP/OPENBLAS/MKL_NUM_THREADS to ``threads`` (the env wins)."""
    for k in THREAD_VARS:
        os.environ.setdefault(k, str(threads))


def thread_env():
    """The thread variables as this process sees them (after set_thread_defaults)."""
    return {k: os.environ[k] for k in THREAD_VARS}


def start_worker(a):
    """First thing in a worker, before numpy is imported: the thread env, and --src on sys.path."""
    set_thread_defaults(a.threads)
    if a.worker == "chainrule" and a.src:
        sys.path.insert(0, os.path.abspath(a.src))


def import_framework(a):
    """Import the worker's framework: torch with set_num_threads(OMP_NUM_THREADS), or chainrule
    (from --src when given; exits if it came from elsewhere)."""
    if a.worker == "torch":
        import torch

        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
        return torch
    import chainrule

    if a.src and not os.path.abspath(chainrule.__file__).startswith(os.path.abspath(a.src) + os.sep):
        sys.exit(f"--src {a.src}: imported chainrule from {chainrule.__file__} instead")
    return chainrule


def check_isolation(a):
    """Assert that the worker did not import the other framework."""
    other = "chainrule" if a.worker == "torch" else "torch"
    assert other not in sys.modules, f"{a.worker} worker imported {other}"


def time_steps(step, warmup, steps):
    """Run ``warmup + steps`` calls of ``step()``; return (every returned loss, the timed steps' seconds)."""
    losses, times = [], []
    for i in range(warmup + steps):
        t = time.perf_counter()
        losses.append(step())
        if i >= warmup:
            times.append(time.perf_counter() - t)
    return losses, times


# ----------------------------------------------------------------------------- parent side


def step_args(a):
    """The worker options every script passes on: --steps, --warmup, --threads."""
    return ["--steps", str(a.steps), "--warmup", str(a.warmup), "--threads", str(a.threads)]


def run_worker(script, framework, args, src=None):
    """Run ``script --worker framework *args`` (plus --src and PYTHONPATH for chainrule) in a fresh
    process; return the last JSON line it printed as a dict (exit with its output if it failed)."""
    cmd = [sys.executable, os.path.abspath(script), "--worker", framework] + list(args)
    env = dict(os.environ)
    if framework == "chainrule" and src:
        src = os.path.abspath(src)
        cmd += ["--src", src]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        sys.exit(f"worker failed: {' '.join(cmd)}\n{p.stdout}{p.stderr}")
    return json.loads(lines[-1])


def alternate(script, args, rounds, src=None, on_round=None, frameworks=FRAMEWORKS):
    """``rounds`` rounds of one worker per framework, in order (chainrule, then torch); return the
    per-round results, each {framework: record}. ``on_round(r, record)`` runs after each round (r from 1)."""
    results = []
    for r in range(1, rounds + 1):
        rec = {fw: run_worker(script, fw, args, src) for fw in frameworks}
        results.append(rec)
        if on_round:
            on_round(r, rec)
    return results


def ratios(rounds, key="median_s"):
    """chainrule/torch ratio of ``key`` in each round."""
    return [r["chainrule"][key] / r["torch"][key] for r in rounds]


def summarise(ratios, spec="5.2f"):
    """'median Ax  min Bx  max Cx' of the per-round ratios, each formatted with ``spec``."""
    return f"median {statistics.median(ratios):{spec}}x  min {min(ratios):{spec}}x  max {max(ratios):{spec}}x"


def print_versions(rec):
    """The two 'FRAMEWORK VERSION from FILE' lines of a round's records."""
    print(f"chainrule {rec['chainrule']['version']} from {rec['chainrule']['file']}")
    print(f"torch     {rec['torch']['version']} from {rec['torch']['file']}")


def load():
    """The 1-minute load average."""
    return os.getloadavg()[0]


def thread_text(threads):
    """'O/B/M': the thread counts the workers will get (the env, else ``threads``)."""
    return "/".join(os.environ.get(k, str(threads)) for k in THREAD_VARS)
