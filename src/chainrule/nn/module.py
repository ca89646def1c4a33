"""``Module`` and ``Parameter``: the bookkeeping that turns functions of tensors into layers.

A ``Module`` owns three ordered registries, filled by plain attribute assignment as in PyTorch:

* ``_parameters``: ``Parameter`` objects (leaf tensors the optimizer updates);
* ``_buffers``: tensors that are state but not trained (BatchNorm's running statistics);
* ``_modules``: child modules.

Everything else (``parameters()``, ``state_dict()``, ``train()``, ``zero_grad()``, the nested
``repr``) is a walk over those registries, so a model is a tree whose leaves are tensors and whose
``state_dict`` keys are the dotted paths to them (``0.weight``, ``bn.running_mean``).

``state_dict()`` returns *copies* as NumPy arrays (``keep_vars=True`` returns the tensors
themselves): a checkpoint taken mid-training must not change when training continues, and NumPy
arrays are what ``chainrule.serialization`` writes. ``load_state_dict`` accepts NumPy arrays or
tensors.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..tensor import Tensor

__all__ = ["IncompatibleKeys", "Module", "Parameter", "RemovableHandle"]


class Parameter(Tensor):
    """A tensor that is a module's trainable state: assigning one to a module attribute registers
    it, so ``module.parameters()`` finds it.

    Args:
        data: the initial value, whose memory the parameter shares (as in PyTorch); a non-leaf
            Tensor contributes its values only. Default: an empty tensor.
        requires_grad: whether the parameter is trained.
    """

    __slots__ = ()  # Tensor uses __slots__; the subclass adds no state of its own.

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            data = np.empty((0,), dtype=backend.get_default_dtype())
        if isinstance(data, Tensor) and data.grad_fn is not None:
            # A parameter must be a leaf: the optimizer updates it in place of a graph.
            data = data._data
        Tensor.__init__(self, data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])

_hook_ids = itertools.count()


class RemovableHandle:
    """Returned by ``register_forward_hook``/``register_forward_pre_hook``; ``remove()`` (or leaving a
    ``with`` block) unregisters the hook.

    Args:
        hooks: the module's hook registry (id -> hook) the new hook's id belongs to.
    """

    def __init__(self, hooks: dict):
        self.hooks = hooks
        self.id = next(_hook_ids)

    def remove(self) -> None:
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


def _add_indent(text: str, spaces: int) -> str:
    """Indent every line but the first, so a child's multi-line repr nests under its ``(name): ``."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _check_name(kind: str, name) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got {name!r}')


class Module:
    """Base class of every layer and model. Subclasses set parameters, buffers and submodules as
    attributes in ``__init__`` (after ``super().__init__()``) and define ``forward``; calling the
    module runs the forward pre-hooks, ``forward`` and the forward hooks."""

    def __init__(self):
        # object.__setattr__ because our own __setattr__ consults these registries.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_forward_hooks", {})
        object.__setattr__(self, "_forward_pre_hooks", {})

    # ------------------------------------------------------------------ forward
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    @staticmethod
    def _register_hook(hooks: dict, hook, prepend: bool) -> RemovableHandle:
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            for key in [k for k in hooks if k != handle.id]:
                hooks[key] = hooks.pop(key)  # re-insert the others after the new hook
        return handle

    def register_forward_pre_hook(self, hook, *, prepend: bool = False) -> RemovableHandle:
        """``hook(module, args)`` runs before ``forward``; returning a value (a tuple, or a single
        value that is wrapped into one) replaces the positional arguments."""
        return self._register_hook(self._forward_pre_hooks, hook, prepend)

    def register_forward_hook(self, hook, *, prepend: bool = False) -> RemovableHandle:
        """``hook(module, args, output)`` runs after ``forward``; returning a value replaces the output."""
        return self._register_hook(self._forward_hooks, hook, prepend)

    # ------------------------------------------------------------------ registration
    def _registries(self, action: str):
        registry = self.__dict__.get("_parameters")
        if registry is None:
            raise AttributeError(f"cannot {action} before Module.__init__() call")
        return registry

    def register_parameter(self, name: str, param) -> None:
        """Register ``param`` (a Parameter, or None for an absent optional one such as ``bias``)."""
        parameters = self._registries("assign parameters")
        _check_name("parameter", name)
        if hasattr(self, name) and name not in parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(chainrule.nn.Parameter or None required)"
            )
        parameters[name] = param

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Register non-trainable state (or None). Persistent buffers are part of ``state_dict``."""
        buffers = self.__dict__.get("_buffers")
        if buffers is None:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name("buffer", name)
        if hasattr(self, name) and name not in buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None required)"
            )
        buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module) -> None:
        """Register a child module (or None) under ``name``."""
        modules = self.__dict__.get("_modules")
        if modules is None:
            raise AttributeError("cannot assign module before Module.__init__() call")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name("module", name)
        if hasattr(self, name) and name not in modules:
            raise KeyError(f"attribute '{name}' already exists")
        modules[name] = module

    register_module = add_module

    def _forget(self, name: str) -> None:
        for registry in (self.__dict__, self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def __setattr__(self, name: str, value) -> None:
        parameters = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            self._registries("assign parameters")
            self._forget(name)
            self.register_parameter(name, value)
            return
        if parameters is not None and name in parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(chainrule.nn.Parameter or None expected)"
                )
            parameters[name] = None
            return
        modules = self.__dict__.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' (Module or None expected)"
                )
            modules[name] = None
            return
        buffers = self.__dict__.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)")
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        # Only reached when ordinary lookup fails, i.e. for registered parameters/buffers/modules.
        state = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in state and name in state[registry]:
                return state[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    def get_submodule(self, target: str) -> Module:
        """The module at dotted path ``target`` ('' is this module)."""
        module = self
        if target == "":
            return module
        for part in target.split("."):
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule `{part}` (looking up '{target}')")
            module = child
        return module

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """Yield (dotted name, module) for this module and every descendant, each once by default."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            child_prefix = prefix + ("." if prefix else "") + name
            yield from child.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool):
        seen = set()
        if recurse:
            owners = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            owners = [(prefix, self)]
        for owner_prefix, owner in owners:
            for name, member in getattr(owner, registry).items():
                if member is None or (remove_duplicate and id(member) in seen):
                    continue
                seen.add(id(member))
                yield owner_prefix + ("." if owner_prefix else "") + name, member

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """Yield (dotted name, parameter); a parameter shared by two modules is yielded once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn):
        """Call ``fn(module)`` on every child (recursively) and then on this module; return self.
        The usual use is custom initialisation: ``model.apply(init_weights)``."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes and gradients
    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) here and below."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: training mode is expected to be a bool, got {type(mode).__name__}")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop (default) or zero every parameter's gradient. Zeroing writes into the gradient (as in
        PyTorch), so a reference to ``p.grad`` sees the zeros."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad.detach_()
                param.grad.zero_()

    # ------------------------------------------------------------------ dtype
    def _cast_floating(self, dtype) -> Module:
        # Swapping the array keeps every Parameter object (and an optimizer's references to it) intact,
        # as PyTorch's module.double() does; integer buffers such as num_batches_tracked stay integer.
        for module in self.modules():
            for tensor in itertools.chain(module._parameters.values(), module._buffers.values()):
                if tensor is None or tensor.dtype.kind != "f":
                    continue
                tensor._data = tensor._data.astype(dtype, copy=False)
                if tensor.grad is not None:
                    tensor.grad._data = tensor.grad._data.astype(dtype, copy=False)
        return self

    def double(self) -> Module:
        return self._cast_floating(backend.float64)

    def float(self) -> Module:  # noqa: A003 - PyTorch name
        return self._cast_floating(backend.float32)

    def half(self) -> Module:
        return self._cast_floating(backend.float16)

    def to(self, *args, dtype=None, device=None) -> Module:
        """Cast floating parameters and buffers in place, as ``module.to(dtype)`` in PyTorch.

        Args:
            *args: a dtype and/or a device string, positionally (``to(cr.float64)``, ``to('cpu')``).
            dtype: the floating point dtype to cast to.
            device: accepted if it is 'cpu' (a no-op: NumPy arrays always live in host memory).
        """
        dtype, _ = backend.parse_to_args("Module.to", args, dtype=dtype, device=device)
        if dtype is not None:
            if dtype.kind != "f":
                raise TypeError(
                    f"Module.to: only floating point dtypes are accepted, got {dtype}; expected e.g. float32"
                )
            self._cast_floating(dtype)
        return self

    def cpu(self) -> Module:
        return self

    # ------------------------------------------------------------------ state dict
    def _local_state(self):
        for name, param in self._parameters.items():
            if param is not None:
                yield name, param
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                yield name, buffer

    def state_dict(self, *, destination=None, prefix: str = "", keep_vars: bool = False):
        """Ordered mapping from dotted names to NumPy copies of every parameter and persistent
        buffer (``keep_vars=True``: the tensors themselves). Shared parameters appear under each
        name that reaches them, as in PyTorch."""
        if destination is None:
            destination = OrderedDict()
        for name, tensor in self._local_state():
            destination[prefix + name] = tensor if keep_vars else tensor._data.copy()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def _named_state_tensors(self) -> OrderedDict:
        """Dotted name -> tensor for every entry ``state_dict()`` would hold (shared ones under each name)."""
        tensors = OrderedDict()
        for module_prefix, module in self.named_modules(remove_duplicate=False):
            for name, tensor in module._local_state():
                tensors[module_prefix + ("." if module_prefix else "") + name] = tensor
        return tensors

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values from ``state_dict`` (NumPy arrays or tensors) into parameters and buffers.

        The check runs before anything is copied, so a failed load leaves the module unchanged.

        Args:
            state_dict: a mapping from dotted names (as ``state_dict()`` returns them) to values.
            strict: whether missing and unexpected keys are errors.

        Returns:
            ``IncompatibleKeys(missing_keys, unexpected_keys)``.

        Raises:
            RuntimeError: listing every missing and unexpected key (when ``strict``) and every
                shape mismatch (always).
        """
        expected = self._named_state_tensors()
        missing = [key for key in expected if key not in state_dict]
        unexpected = [key for key in state_dict if key not in expected]
        staged, errors = _stage_state_values(expected, state_dict)
        if strict:
            errors = _key_errors(missing, unexpected) + errors
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        for tensor, value in staged:
            # In place and cast to the existing dtype, like torch's copy_ under no_grad: views and
            # optimizers keep seeing the parameter, and the version bump makes a graph that saved
            # the old value refuse to backward through it.
            with no_grad():
                tensor.copy_(value)
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ repr
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's own repr line (its constructor args)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _add_indent(repr(child), 2) for name, child in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"


def _stage_state_values(expected: OrderedDict, state_dict) -> tuple[list, list]:
    """Pair each expected tensor with its new value as an array; return ``(staged, errors)``, the
    errors being PyTorch's size-mismatch messages."""
    staged, errors = [], []
    for key, tensor in expected.items():
        if key not in state_dict:
            continue
        value = state_dict[key]
        value = value._data if isinstance(value, Tensor) else np.asarray(value)
        if value.shape != tensor.shape:
            errors.append(
                f"size mismatch for {key}: copying a param with shape {value.shape} from checkpoint, "
                f"the shape in current model is {tensor.shape}."
            )
            continue
        staged.append((tensor, value))
    return staged, errors


def _key_errors(missing: list, unexpected: list) -> list:
    """PyTorch's strict-loading messages, missing keys first."""
    errors = []
    if missing:
        errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
    if unexpected:
        errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
    return errors
