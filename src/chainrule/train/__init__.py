"""chainrule.train: a small Keras-style ``fit()`` over the PyTorch training loop, plus callbacks.

    from chainrule.train import fit, EarlyStopping, ModelCheckpoint, resume
    history = fit(model, nn.CrossEntropyLoss(), optimizer, train_loader, val_loader, epochs=20,
                  metrics=["accuracy"], callbacks=[EarlyStopping(patience=3, restore_best_weights=True)])
"""
from .callbacks import (Callback, CallbackList, EarlyStopping, GradientMonitor, LearningRateScheduler,
                        ModelCheckpoint, ProgressBar, resume)
from .loop import History, Trainer, accuracy, evaluate, fit

from . import callbacks as _callbacks

__all__ = ["fit", "evaluate", "History", "Trainer", "accuracy", *_callbacks.__all__]
