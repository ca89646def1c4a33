"""``chainrule.nn.utils``: gradient clipping and flat parameter vectors (``clip_grad``), and
variable-length batches for recurrent layers (``rnn``), as ``torch.nn.utils``."""

from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "rnn", "vector_to_parameters"]
