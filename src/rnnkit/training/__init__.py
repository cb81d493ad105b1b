"""rnnkit.training: the Trainer (fit / evaluate / predict), losses, metrics, optimisers and schedules,
callbacks, history plots, truncated BPTT and distributed data parallel."""
from rnnkit.training.batches import BatchDataset
from rnnkit.training.callbacks import Callback, EarlyStopping, LambdaCallback, ModelCheckpoint, ReduceLROnPlateau
from rnnkit.training.config import TrainConfig, trainer_from_config
from rnnkit.training.history import History
from rnnkit.training.losses import NonFiniteLossError
from rnnkit.training.outputs import predict
from rnnkit.training.state import seed_everything
from rnnkit.training.tensorboard import TensorBoard
from rnnkit.training.trainer import Trainer

__all__ = ["Trainer", "BatchDataset", "TrainConfig", "trainer_from_config", "predict", "seed_everything", "NonFiniteLossError", "History", "Callback", "EarlyStopping",
           "ModelCheckpoint", "ReduceLROnPlateau", "LambdaCallback", "TensorBoard"]
