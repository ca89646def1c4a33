"""Run every Python block of docs/training.md in order, in one namespace."""

import pathlib
import re

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "training.md"


def test_training_doc_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 5
    namespace = {"__name__": "docs_training"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/training.md block {i}", "exec"), namespace)
