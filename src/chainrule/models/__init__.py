"""Models built from chainrule's layers (BERT), with the checkpoints people have in and out."""
