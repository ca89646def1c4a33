"""docs/architecture.md must stay true: its example runs, and every function it names exists."""

import importlib
import pathlib
import re

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "architecture.md"

# The walk from Tensor.__mul__ to .grad names these; a rename must update the page.
NAMED = {
    "chainrule.tensor": ["Tensor.__mul__", "Tensor.backward", "as_tensor_operand", "unwrap_tensor"],
    "chainrule.autograd": [
        "Function.apply",
        "Function.save_for_backward",
        "_own_memory",
        "_mark_view",
        "_versions_of_saved",
        "_roots_and_seeds",
        "_seed",
        "_collect_nodes",
        "_check_saved_versions",
        "_accumulate_leaves",
        "_accumulate_leaf",
        "_accumulate_in_place",
        "backward",
    ],
    "chainrule.inplace": ["write_inplace", "sync_view"],
    "chainrule.ops.arithmetic": ["Mul.forward", "Mul.backward", "_binary"],
    "chainrule.ops.reduce": ["Sum"],
    "chainrule.ops._util": ["unbroadcast", "normalize_dim", "normalize_dims"],
    "chainrule.ops.shape": ["CopySlices", "GetItem.accumulate_backward"],
    "chainrule.ops.unary": ["Hardtanh"],
    "chainrule.op_table": ["OpRow", "OPS"],
    "chainrule.backend": ["as_array", "to_dtype", "parse_to_args"],
    "chainrule.random": ["get_generator"],
    "chainrule.nn.activation": ["_Activation"],
}


def test_architecture_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert blocks
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/architecture.md block {i}", "exec"), {"__name__": "docs_architecture"})


def test_every_named_function_exists_and_is_named_in_the_page():
    text = DOC.read_text()
    for module_name, names in NAMED.items():
        module = importlib.import_module(module_name)
        for dotted in names:
            target = module
            for part in dotted.split("."):
                target = getattr(target, part)
            assert dotted.split(".")[-1] in text, f"{module_name}.{dotted} is no longer mentioned in the page"


# The files of the layers added after the page was first written, named as the page names them.
LATER_FILES = ["`conv.py`", "`pooling.py`", "`rnn.py`", "`attention.py`", "`nn/utils/`", "`clip_grad.py`"]
LATER_FILES += ["`data/sequences.py`", "`data/images.py`", "`models/`", "`models/bert/`", "`lab/`"]


def test_every_op_file_and_later_layer_is_listed_in_the_layer_table():
    # A new ops/ family must get its line on the map (the ops row names each file by its stem).
    text = DOC.read_text()
    ops = DOC.parents[1] / "src" / "chainrule" / "ops"
    for path in sorted(ops.glob("[!_]*.py")):
        assert f"`{path.stem}`" in text, f"ops/{path.name} is not in the page"
    for name in LATER_FILES:
        assert name in text, f"{name} is not in the page"
