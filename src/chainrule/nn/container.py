"""Containers: ``Sequential``, ``ModuleList`` and ``ModuleDict`` (``torch.nn.modules.container``).

Each is a ``Module`` whose children are its items, so registration, ``parameters()``,
``state_dict()`` and ``repr`` come from ``Module`` unchanged; the containers add only the list or
dict protocol on top of ``_modules``. ``Sequential`` and ``ModuleList`` keep their children under
the positional names "0", "1", ... (renumbered after a deletion or insertion), which is what
makes their state_dict keys (``0.weight``) match PyTorch's.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

import numpy as np

from .module import Module, _add_indent

__all__ = ["ModuleDict", "ModuleList", "Sequential"]


def _index(container: str, idx, length: int) -> int:
    if not isinstance(idx, (int, np.integer)) or isinstance(idx, bool):
        raise TypeError(f"{container} indices must be integers or slices, not {type(idx).__name__}")
    if not -length <= idx < length:
        raise IndexError(f"{container}: index {idx} is out of range for length {length}")
    return int(idx) % length


def _renumber(container, modules) -> None:
    """Store ``modules`` under the names "0", "1", ...: PyTorch keeps positional names contiguous
    after a deletion or insertion in Sequential and ModuleList."""
    container._modules.clear()
    for i, module in enumerate(modules):
        container._modules[str(i)] = module


class Sequential(Module):
    """Chain modules: ``forward(x)`` feeds x through each child in order.

    Args:
        *args: the modules, named '0', '1', ... in order, or one (Ordered)dict of name -> module.
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], dict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index("Sequential", idx, len(self))]

    def __setitem__(self, idx, module) -> None:
        key = list(self._modules)[_index("Sequential", idx, len(self))]
        self.add_module(key, module)

    def __delitem__(self, idx) -> None:
        keys = list(self._modules)
        doomed = keys[idx] if isinstance(idx, slice) else [keys[_index("Sequential", idx, len(self))]]
        for key in doomed:
            del self._modules[key]
        _renumber(self, list(self._modules.values()))

    def append(self, module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules) -> Sequential:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module) -> Sequential:
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.insert: {type(module).__name__} is not a Module subclass")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for length {n}")
        values = list(self._modules.values())
        values.insert(index, module)
        _renumber(self, values)
        return self

    def pop(self, idx):
        module = self[idx]
        del self[idx]
        return module

    def forward(self, input):
        for module in self:
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules that registers them (so their parameters are found), without a forward.

    Args:
        modules: an iterable of modules to start with.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_index("ModuleList", idx, len(self)))]

    def __setitem__(self, idx, module) -> None:
        self.add_module(str(_index("ModuleList", idx, len(self))), module)

    def __delitem__(self, idx) -> None:
        values = list(self._modules.values())
        if isinstance(idx, slice):
            del values[idx]
        else:
            del values[_index("ModuleList", idx, len(self))]
        _renumber(self, values)

    def append(self, module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules) -> ModuleList:
        if isinstance(modules, (Module, str)) or not hasattr(modules, "__iter__"):
            raise TypeError(
                f"ModuleList.extend should be called with an iterable of modules, got {type(modules).__name__}"
            )
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module) -> None:
        # Checked before renumbering, so a refused module leaves the list as it was.
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"ModuleList.insert: {type(module).__name__} is not a Module subclass")
        values = list(self._modules.values())
        values.insert(index, module)
        _renumber(self, values)

    def pop(self, idx=-1):
        module = self[idx]
        del self[idx]
        return module

    def __iadd__(self, modules) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other) -> ModuleList:
        return ModuleList(list(self) + list(other))

    def __repr__(self) -> str:
        # Runs of identical children are collapsed to "(i-j): n x Child(...)", as PyTorch prints them.
        if not len(self):
            return self._get_name() + "()"
        lines, start = [], 0
        for text, group in itertools.groupby(repr(child) for child in self):
            count = len(list(group))
            end = start + count - 1
            label = f"({start}): {text}" if count == 1 else f"({start}-{end}): {count} x {text}"
            lines.append(_add_indent(label, 2))
            start = end + 1
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """An ordered dict of modules that registers them; keys must be valid module names.

    Args:
        modules: a mapping or an iterable of (name, module) pairs to start with.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key) -> bool:
        return key in self._modules

    def clear(self) -> None:
        self._modules.clear()

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules) -> None:
        pairs = modules.items() if hasattr(modules, "items") else modules
        for pair in pairs:
            key, module = pair
            self[key] = module
