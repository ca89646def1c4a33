"""The public surface, pinned: every public module's ``__all__`` against tests/public_api.txt.

An export added or dropped by accident then shows up in review as a diff of that file. To accept
a deliberate change, regenerate it with ``python tests/test_public_api.py`` and commit the diff.

Beyond the pin: the names in each ``__all__`` exist, ``chainrule`` mirrors ``torch``'s top level
(plus a few documented names of its own), and ``chainrule.functional`` / ``chainrule.nn.functional``
hold exactly their functions, with nothing else (NumPy, builtins, Tensor, op classes) leaking.
"""

import importlib
import inspect
import pathlib
import sys
import types

import pytest

MODULES = [
    "chainrule",
    "chainrule.functional",
    "chainrule.linalg",
    "chainrule.nn",
    "chainrule.nn.functional",
    "chainrule.optim",
    "chainrule.data",
    "chainrule.metrics",
    "chainrule.imbalance",
    "chainrule.train",
]
PINNED = pathlib.Path(__file__).with_name("public_api.txt")
# chainrule's own top-level names: PyTorch keeps these in torch.autograd (and calls bool_ torch.bool)
NOT_IN_TORCH = {"Function", "GradcheckError", "bool_", "detect_anomaly", "gradcheck"}


def public_api_lines():
    """One ``module.name`` line per exported name, modules in MODULES order, names sorted."""
    lines = []
    for name in MODULES:
        module = importlib.import_module(name)
        lines.extend(f"{name}.{export}" for export in sorted(module.__all__))
    return lines


def test_public_api_matches_the_pinned_list():
    expected = PINNED.read_text().splitlines()
    actual = public_api_lines()
    added = sorted(set(actual) - set(expected))
    removed = sorted(set(expected) - set(actual))
    assert not added and not removed, (
        f"public API changed: added {added}, removed {removed}; if intended, regenerate "
        "tests/public_api.txt with `python tests/test_public_api.py`"
    )
    assert actual == expected


@pytest.mark.parametrize("name", MODULES)
def test_every_exported_name_exists_once(name):
    module = importlib.import_module(name)
    assert len(module.__all__) == len(set(module.__all__)), f"{name}.__all__ repeats a name"
    missing = [export for export in module.__all__ if not hasattr(module, export)]
    assert not missing, f"{name}.__all__ names what the module lacks: {missing}"


def test_top_level_mirrors_torch():
    import torch

    import chainrule

    assert chainrule.__all__ == sorted(chainrule.__all__)
    not_torch = set(chainrule.__all__) - set(dir(torch))
    assert not_torch == NOT_IN_TORCH, f"top-level names torch lacks: {sorted(not_torch - NOT_IN_TORCH)}"
    public = {n for n in vars(chainrule) if not n.startswith("_")}
    leaked = {n for n in public - set(chainrule.__all__) if not isinstance(getattr(chainrule, n), types.ModuleType)}
    assert not leaked, f"chainrule exposes names outside __all__: {sorted(leaked)}"


def test_functional_exports_exactly_its_functions():
    import chainrule.functional as F
    import chainrule.nn.functional as NF

    assert F.__all__ == sorted(F.__all__)
    defined = {
        n for n, v in vars(F).items() if not n.startswith("_") and inspect.isfunction(v) and v.__module__ == F.__name__
    }
    assert set(F.__all__) == defined
    assert all(inspect.isfunction(getattr(F, n)) for n in F.__all__)
    assert NF.__all__ == F.__all__
    assert {n for n in vars(NF) if not n.startswith("_")} == set(F.__all__)
    assert all(getattr(NF, n) is getattr(F, n) for n in F.__all__)


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "src"))
    PINNED.write_text("\n".join(public_api_lines()) + "\n")
    print(f"wrote {PINNED}")
