"""chainrule.train: a small Keras-style ``fit()`` over the PyTorch training loop, plus callbacks.

from chainrule.train import fit, EarlyStopping, ModelCheckpoint, resume
history = fit(model, nn.CrossEntropyLoss(), optimizer, train_loader, val_loader, epochs=20,
              metrics=["accuracy"], callbacks=[EarlyStopping(patience=3, restore_best_weights=True)])
"""

from .callbacks import (
    Callback,
    CallbackList,
    EarlyStopping,
    GradientMonitor,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgressBar,
    resume,
)
from .loop import History, Trainer, accuracy, evaluate, fit

# Kept sorted; tests/train/test_package.py checks it against callbacks.__all__ and loop.__all__.
__all__ = [
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "GradientMonitor",
    "History",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgressBar",
    "Trainer",
    "accuracy",
    "evaluate",
    "fit",
    "resume",
]
