"""rnnkit.training: the Trainer (fit / evaluate / predict), losses, metrics, optimisers and schedules,
callbacks, history plots, truncated BPTT and distributed data parallel.

`config` (TrainConfig, the training fields every task config shares) and `choices` import no torch, so
task configs (and `rnnkit train TASK --help`) read them at once; the package's names are imported on
first use (`rnnkit.lazy`)."""
from rnnkit.lazy import lazy_names

__all__ = ["Trainer", "BatchDataset", "TrainConfig", "trainer_from_config", "predict", "seed_everything", "NonFiniteLossError", "History", "Callback", "EarlyStopping",
           "ModelCheckpoint", "ReduceLROnPlateau", "LambdaCallback", "TensorBoard"]
__getattr__, __dir__ = lazy_names(__name__, {
    "BatchDataset": "batches", "Callback": "callbacks", "EarlyStopping": "callbacks", "LambdaCallback": "callbacks",
    "ModelCheckpoint": "callbacks", "ReduceLROnPlateau": "callbacks", "TrainConfig": "config",
    "trainer_from_config": "config", "History": "history", "NonFiniteLossError": "losses", "predict": "outputs",
    "seed_everything": "state", "TensorBoard": "tensorboard", "Trainer": "trainer"})
