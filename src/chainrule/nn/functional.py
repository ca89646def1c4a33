"""``chainrule.nn.functional``: the same functions as ``chainrule.functional``, under the path
PyTorch users type (``import chainrule.nn.functional as F``)."""

from ..functional import *  # noqa: F401,F403
from ..functional import __all__  # noqa: F401 - the same public names, nothing else
