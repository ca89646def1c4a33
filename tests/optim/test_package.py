"""chainrule.optim's namespace: ``__all__`` lists (sorted) exactly the submodules' optimizers,
the lr_scheduler module and the one scheduler PyTorch users reach for without it."""

import types

import chainrule.optim as optim
from chainrule.optim import adagrad, adam, lr_scheduler, optimizer, rmsprop, sgd

OPTIMIZER_MODULES = [adagrad, adam, optimizer, rmsprop, sgd]
# Public in optimizer.py, not re-exported (torch.optim.optimizer.required is not in torch.optim either).
NOT_REEXPORTED = {"required"}


def test_all_is_sorted_and_complete():
    assert optim.__all__ == sorted(optim.__all__)
    expected = {name for sub in OPTIMIZER_MODULES for name in sub.__all__} - NOT_REEXPORTED
    assert set(optim.__all__) == expected | {"lr_scheduler", "get_linear_schedule_with_warmup"}
    for name in optim.__all__:
        assert hasattr(optim, name), name


def test_submodule_all_lists_are_sorted_and_defined():
    for sub in [*OPTIMIZER_MODULES, lr_scheduler]:
        assert sub.__all__ == sorted(sub.__all__), sub.__name__
        for name in sub.__all__:
            assert getattr(sub, name).__module__ == sub.__name__, (sub.__name__, name)


def test_nothing_else_leaks_into_the_package():
    public = {name for name in vars(optim) if not name.startswith("_")}
    leaked = {name for name in public - set(optim.__all__) if not isinstance(getattr(optim, name), types.ModuleType)}
    assert leaked == set()
