"""chainrule.nn's namespace: ``nn.__all__`` is sorted and lists exactly the public names of its
submodules (so a new layer cannot be forgotten), and nothing else leaks into the package."""

import importlib
import types

import chainrule.nn as nn

SUBMODULE_NAMES = (
    "activation attention container conv layers loss module normalization parallel pooling regularization rnn"
)
SUBMODULES = [importlib.import_module(f"chainrule.nn.{name}") for name in SUBMODULE_NAMES.split()]
NAMESPACES = ["functional", "init", "utils"]
# Public in their own module but not re-exported, as in torch.nn (torch.nn.modules.module has them).
NOT_REEXPORTED = {"IncompatibleKeys", "RemovableHandle"}


def test_all_is_sorted_and_complete():
    assert nn.__all__ == sorted(nn.__all__)
    expected = {name for sub in SUBMODULES for name in sub.__all__} - NOT_REEXPORTED
    assert set(nn.__all__) == expected | set(NAMESPACES)
    for name in nn.__all__:
        assert hasattr(nn, name), name


def test_submodule_all_lists_are_sorted_and_defined():
    for sub in SUBMODULES:
        assert sub.__all__ == sorted(sub.__all__), sub.__name__
        for name in sub.__all__:
            assert getattr(sub, name).__module__ == sub.__name__, (sub.__name__, name)


def test_nothing_else_leaks_into_the_package():
    public = {name for name in vars(nn) if not name.startswith("_")}
    leaked = {name for name in public - set(nn.__all__) if not isinstance(getattr(nn, name), types.ModuleType)}
    assert leaked == set()
