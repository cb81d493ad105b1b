"""Images read as sequences: `mnist` (article 001), each 28 x 28 digit as 28 steps of 28 pixels
(`--mode rows`) or 784 steps of one pixel (`--mode pixels`, the long-memory benchmark of Le et al. 2015);
your own images the same way, in their classes, beside logistic regression on the pixels.

    rnnkit train mnist --mode rows
    rnnkit train mnist --data my_digits.npz        # x_train/y_train (x_valid/y_valid, x_test/y_test)
    rnnkit train mnist --data photos/              # photos/CLASS/*.png, or photos/{train,valid,test}/CLASS/*.png
    rnnkit predict RUN_DIR --input new/            # an image, a folder of images, or a .npy/.npz

Parts: `config`, `data` (splits of images), `model`, `baseline` (logistic regression on the pixels), `train`,
`predict` (predict and evaluate).
"""
from rnnkit.tasks.images.config import MnistConfig
from rnnkit.tasks.task import Task

MNIST = Task("mnist", "MNIST digits (or your own images) read row by row or pixel by pixel by an LSTM", MnistConfig,
             "rnnkit.tasks.images.train:run", predict="rnnkit.tasks.images.predict:predict",
             evaluate="rnnkit.tasks.images.predict:evaluate", summary="rnnkit.tasks.images.model:describe",
             run_notes="rnnkit.tasks.images.predict:run_notes")
