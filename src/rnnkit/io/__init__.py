"""rnnkit.io: run folders, pickle-free checkpoints (safetensors + JSON), atomic writes."""
from rnnkit.io.run import RunDir, load

__all__ = ["RunDir", "load"]
