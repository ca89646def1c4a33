"""The lab's experiments, one module per topic of the notes (registered in ``registry.EXPERIMENTS``)."""
