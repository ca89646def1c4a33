"""Models built from chainrule's layers: one package per model family."""
