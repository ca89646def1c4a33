"""Run every Python block of docs/autograd.md in order, in one namespace: its asserts are the
claims the page makes about graphs, in-place operations and version counters."""

import pathlib
import re

import chainrule as cr

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "autograd.md"


def test_autograd_doc_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 10
    namespace = {"__name__": "docs_autograd"}
    try:
        for i, block in enumerate(blocks):
            exec(compile(block, f"docs/autograd.md block {i}", "exec"), namespace)
    finally:
        cr.set_grad_enabled(True)  # the last block toggles grad mode; never leak it
