"""chainrule.train's namespace: ``__all__`` is sorted and lists exactly the public names of the
loop and of every callback module, and nothing else leaks into the packages."""

import types

import chainrule.train as train
from chainrule.train import callbacks, loop
from chainrule.train.callbacks import base, checkpoint, early_stopping, gradient_monitor, learning_rate, progress

CALLBACK_MODULES = [base, checkpoint, early_stopping, gradient_monitor, learning_rate, progress]


def leaked_names(package):
    public = {name for name in vars(package) if not name.startswith("_")}
    return {name for name in public - set(package.__all__) if not isinstance(getattr(package, name), types.ModuleType)}


def test_all_is_sorted_and_complete():
    assert callbacks.__all__ == sorted(callbacks.__all__)
    assert set(callbacks.__all__) == {name for sub in CALLBACK_MODULES for name in sub.__all__}
    assert train.__all__ == sorted(train.__all__)
    assert set(train.__all__) == set(callbacks.__all__) | set(loop.__all__)
    for package in (train, callbacks):
        for name in package.__all__:
            assert hasattr(package, name), (package.__name__, name)


def test_submodule_all_lists_are_sorted_and_defined():
    for sub in [*CALLBACK_MODULES, loop]:
        assert sub.__all__ == sorted(sub.__all__), sub.__name__
        for name in sub.__all__:
            assert getattr(sub, name).__module__ == sub.__name__, (sub.__name__, name)


def test_nothing_else_leaks_into_the_packages():
    assert leaked_names(train) == set()
    assert leaked_names(callbacks) == set()
