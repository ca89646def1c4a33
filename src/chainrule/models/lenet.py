"""A LeNet-style convolutional network for small greyscale images (MNIST, Fashion-MNIST).

LeCun et al.'s LeNet-5 (1998) in its modern form: convolution -> ReLU -> max-pool, twice, then
three fully connected layers. ReLU and max-pooling replace the original's tanh and subsampling
layers; they train faster and are what a PyTorch user writes today. Two things make a CNN beat
an MLP of the same size on images: *weight sharing* (a 5 x 5 filter is one set of 25 weights
applied at every position, so a feature learnt in one place is detected everywhere) and
*pooling* (keeping the strongest response in each 2 x 2 window makes the features tolerant to
small shifts and halves the resolution the next layer has to look at).

The parameter names (``conv1.weight``, ``fc3.bias``, ...) are those of the same model written
with ``torch.nn``, so a PyTorch state_dict of it loads unchanged (see ``docs/cnn.md``).
"""

from __future__ import annotations

from .. import functional as F
from .. import nn

__all__ = ["LeNet"]


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"LeNet: {name} must be a positive int, got {value!r}")
    return value


class LeNet(nn.Module):
    """conv(5x5, pad 2) -> ReLU -> max-pool(2) -> conv(5x5) -> ReLU -> max-pool(2) -> three linear
    layers, for ``in_channels x image_size x image_size`` inputs.

    With the defaults (28 x 28 inputs) the feature maps are 16 x 28 x 28 -> 16 x 14 x 14 ->
    32 x 10 x 10 -> 32 x 5 x 5, flattened to 800 features. The original LeNet-5 had 6 and 16
    filters; twice as many cost little here and lift Fashion-MNIST test accuracy from about 89%
    to about 91% (``docs/cnn.md``).

    Args:
        num_classes: size of the output (the logits).
        in_channels: channels of the input images (1 for greyscale).
        image_size: height = width of the input; at least 12, so that the second pooling still
            has a 2 x 2 window to pool.
        channels: filters of the two convolutions.
        hidden: widths of the two hidden linear layers.
    """

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        image_size: int = 28,
        channels: tuple[int, int] = (16, 32),
        hidden: tuple[int, int] = (120, 84),
    ):
        super().__init__()
        for name, value in (("num_classes", num_classes), ("in_channels", in_channels), ("image_size", image_size)):
            _check_positive_int(value, name)
        if image_size < 12:
            raise ValueError(
                f"LeNet: image_size must be at least 12 (two 5x5 convolutions and two 2x2 poolings), got {image_size}"
            )
        c1, c2 = (_check_positive_int(c, "channels") for c in channels)
        h1, h2 = (_check_positive_int(h, "hidden") for h in hidden)
        # spatial size after each stage: conv1 keeps it (padding 2), pooling halves it (floor),
        # conv2 (no padding) takes 4 off
        self.feature_size = ((image_size // 2) - 4) // 2
        self.conv1 = nn.Conv2d(in_channels, c1, kernel_size=5, padding=2)
        self.pool = nn.MaxPool2d(kernel_size=2)
        self.conv2 = nn.Conv2d(c1, c2, kernel_size=5)
        self.fc1 = nn.Linear(c2 * self.feature_size**2, h1)
        self.fc2 = nn.Linear(h1, h2)
        self.fc3 = nn.Linear(h2, num_classes)

    def forward(self, x):
        # x: (B, C, S, S), S = image_size
        x = self.pool(F.relu(self.conv1(x)))  # (B, c1, S/2, S/2)
        x = self.pool(F.relu(self.conv2(x)))  # (B, c2, f, f), f = feature_size
        x = x.flatten(1)  # (B, c2 * f * f)
        x = F.relu(self.fc1(x))  # (B, h1)
        x = F.relu(self.fc2(x))  # (B, h2)
        return self.fc3(x)  # (B, num_classes)
