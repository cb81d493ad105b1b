"""rnnkit: recurrent neural networks on PyTorch, from the textbook equations to fused kernels."""

__version__ = "0.1.0"
