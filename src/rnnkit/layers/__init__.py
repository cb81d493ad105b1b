"""The nn.Modules users compose: the generic `Recurrent` layer and Keras-style building blocks."""
from .recurrent import Recurrent

__all__ = ["Recurrent"]
