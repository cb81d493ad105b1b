"""Training the generic task: Keras-style fit on the .npz's training arrays; without a validation set
`validation_split` holds out the end of the training arrays, as Keras does."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rnnkit.tasks.arrays.config import ArraysConfig
from rnnkit.tasks.arrays.data import load_arrays
from rnnkit.tasks.arrays.model import build_model
from rnnkit.tasks.report import printer, test_metrics, write_report
from rnnkit.tasks.runs import run_config_record
from rnnkit.training import seed_everything, trainer_from_config


def run(config: ArraysConfig, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """Train a registered model on arrays from an .npz file."""
    train = load_arrays(config.data, "train")
    valid = load_arrays(config.data, "valid", required=False)
    test = load_arrays(config.data, "test", required=False)
    seed_everything(config.seed)
    model = build_model(config)
    trainer = trainer_from_config(model, config, run_dir, quiet=quiet, from_logits=config.from_logits,
                                  config=run_config_record("arrays", config),
                                  data_summary={"data file": config.data, "x_train shape": list(train[0].shape)})
    trainer.fit(train, epochs=config.epochs, batch_size=config.batch_size, validation_data=valid,
                validation_split=0.0 if valid is not None else config.validation_split, resume=resume)
    final = dict(trainer.final_logs)
    if test is not None:
        final.update(trainer.evaluate(test, prefix="test_"))
        printer(quiet)("test: " + " ".join(f"{k}={v:.4f}" for k, v in test_metrics(final).items()))
    write_report(trainer, "arrays", config, final, quiet=quiet)
    return final
