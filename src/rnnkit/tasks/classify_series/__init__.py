"""Series classification (`classify-series`): whole series, univariate or multivariate, of equal or
unequal lengths, from the UCR/UEA archive's .ts files, read by a recurrent network.

    rnnkit train classify-series --dataset japanese-vowels        # official 270/370 split
    rnnkit train classify-series --data X_TRAIN.ts --test X_TEST.ts
    rnnkit predict RUN --input X.ts                               # class and probability per series
    rnnkit evaluate RUN [--data X_TEST.ts]

Parts: `config`, `data` (.ts files -> labels, scaling, padded arrays, the validation hold-out), `model`
(the classifier), `baseline` (MiniRocket and the validation-chosen blend), `train`, `predict` (predict
and evaluate from a run folder).
"""
from rnnkit.tasks.classify_series.config import SeriesConfig
from rnnkit.tasks.task import Task

CLASSIFY_SERIES = Task("classify-series", "classify whole series (UCR/UEA .ts files, named or your own) with an LSTM/GRU",
                       SeriesConfig, "rnnkit.tasks.classify_series.train:run",
                       predict="rnnkit.tasks.classify_series.predict:predict",
                       evaluate="rnnkit.tasks.classify_series.predict:evaluate",
                       summary="rnnkit.tasks.classify_series.model:describe")
