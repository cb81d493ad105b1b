"""Training the image task: the best epoch by validation accuracy is kept and scored on the test set."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from rnnkit.tasks.images.config import MnistConfig
from rnnkit.tasks.images.data import load_splits
from rnnkit.tasks.images.model import build_model
from rnnkit.tasks.report import printer, write_report
from rnnkit.tasks.runs import run_config_record
from rnnkit.training import seed_everything, trainer_from_config


def run(config: MnistConfig, run_dir: Path, *, resume: bool = False, quiet: bool = False) -> dict[str, Any]:
    """MNIST digits read row by row (28 x 28) or pixel by pixel (784 x 1) by an LSTM."""
    splits = load_splits(config)
    x, y = splits["train"]
    if config.limit:
        x, y = x[: config.limit], y[: config.limit]
    seed_everything(config.seed)
    model = build_model(config)
    valid, test = splits["valid"], splits["test"]
    summary = {"dataset": config.data or config.dataset, "mode": config.mode,
               "sequence": "28 steps of 28 pixels" if config.mode == "rows" else "784 steps of 1 pixel"}
    # without validation data: keep the last weights and stop early on nothing
    cfg = config if valid is not None or config.validation_split else replace(config, keep_best=False,
                                                                              early_stopping=None)
    trainer = trainer_from_config(model, cfg, run_dir, quiet=quiet, data_summary=summary,
                                  config=run_config_record("mnist", config))
    trainer.fit((x, y), epochs=config.epochs, batch_size=config.batch_size, validation_data=valid,
                validation_split=0.0 if valid is not None else config.validation_split, resume=resume)
    final = dict(trainer.final_logs)
    if test is not None:
        if cfg.keep_best and trainer.run is not None:
            trainer.run.load_weights(model)
        final.update(trainer.evaluate(test, batch_size=512, prefix="test_"))
        printer(quiet)(f"test ({len(test[0]):,} images): acc={final['test_acc']:.4f} loss={final['test_loss']:.4f}")
    write_report(trainer, "mnist", config, final, title=f"mnist ({config.mode}): training report",
                 test_notes=[f"- images: {len(test[0])}"] if test is not None else [], quiet=quiet)
    return final
