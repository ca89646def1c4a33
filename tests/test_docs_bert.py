"""Run the Python block of docs/bert.md (writing its checkpoint folder under a temporary
directory) and check what it prints: three fill-mask candidates, and offsets and word ids that
point into the text."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "bert.md"


def test_bert_doc_example_runs(tmp_path, capsys):
    (block,) = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    block, count = re.subn(r'^OUT = "bert-demo"$', f"OUT = {str(tmp_path / 'bert-demo')!r}", block, flags=re.M)
    assert count == 1
    namespace = {"__name__": "docs_bert"}
    exec(compile(block, "docs/bert.md", "exec"), namespace)
    assert (tmp_path / "bert-demo" / "model.safetensors").exists()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5
    assert all(0.0 < float(line.split()[-1]) < 1.0 for line in lines[:3])
    assert lines[3] == "['[CLS]', 'return', 'the', 'path', '##s', '.', '[SEP]']"
    encoding = namespace["encoding"]
    text = "Return the paths."
    pieces = [text[a:b] for a, b in encoding["offset_mapping"]]
    assert pieces == ["", "Return", "the", "path", "s", ".", ""]
    assert encoding.word_ids() == [None, 0, 1, 2, 2, 3, None]
