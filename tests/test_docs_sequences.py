"""Run every Python block of docs/sequences.md in order, in one namespace."""

import pathlib
import re

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "sequences.md"


def test_sequences_doc_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 2
    namespace = {"__name__": "docs_sequences"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/sequences.md block {i}", "exec"), namespace)
