"""rnnkit.io: run folders, pickle-free checkpoints (safetensors + JSON), atomic writes."""
from rnnkit.lazy import lazy_names

__all__ = ["RunDir", "load"]
__getattr__, __dir__ = lazy_names(__name__, {"RunDir": "run", "load": "run"})
