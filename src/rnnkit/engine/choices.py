"""The runners a config may name (`fast`; `dispatch` says what each does), in a module that imports
nothing, so a task config (and `rnnkit train TASK --help`) reads them without importing torch."""

FAST_CHOICES = ("auto", "loop", "fused", "native", "compiled", "scan")
