"""Images read as sequences: `mnist` (article 001), each 28 x 28 digit as 28 steps of 28 pixels
(`--mode rows`) or 784 steps of one pixel (`--mode pixels`, the long-memory benchmark of Le et al. 2015).

    rnnkit train mnist --mode rows
    rnnkit train mnist --data my_digits.npz        # x_train/y_train (x_valid/y_valid, x_test/y_test)

Parts: `config`, `data` (splits of images), `model`, `train`, `predict` (predict and evaluate).
"""
from rnnkit.tasks.images.config import MnistConfig
from rnnkit.tasks.task import Task

MNIST = Task("mnist", "MNIST digits read row by row (28 x 28) or pixel by pixel (784 x 1) by an LSTM", MnistConfig,
             "rnnkit.tasks.images.train:run", predict="rnnkit.tasks.images.predict:predict",
             evaluate="rnnkit.tasks.images.predict:evaluate", summary="rnnkit.tasks.images.model:describe")
