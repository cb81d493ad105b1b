"""Language models: `lm` (the next word or character of a text), trained with stateful truncated BPTT.

    rnnkit train lm                                   # Penn Treebank words, Zaremba et al.'s small model
    rnnkit train lm --dataset shakespeare             # characters, split by play
    rnnkit train lm --data text.txt [--level char]    # your text: its last 10% the test part, 10% before it validation;
                                                      # words or characters by what its validation part shares with training
    rnnkit train lm --data train.txt --valid-data valid.txt [--test-data test.txt]
    rnnkit evaluate RUN_DIR [--data text.txt]         # perplexity (bits per character) of the run's test part
    rnnkit generate RUN_DIR --prompt "the" --length 200 --temperature 0.8 [--top-k K] [--top-p P] [--seed S]

Parts: `config`, `data` (corpus -> vocabulary -> id streams), `model` (the `LanguageModel`), `train`,
`predict` (evaluate), `generate` (sampling from a run, streamed), `baseline` (a Kneser-Ney n-gram, `ngram`,
and xz at character level, scored beside every run).
"""
from __future__ import annotations

from rnnkit.tasks.lm.config import LMConfig
from rnnkit.tasks.lm.generate import generate
from rnnkit.tasks.task import Task

LM = Task("lm", "language model on ptb (words), shakespeare (characters) or your own text files", LMConfig,
          "rnnkit.tasks.lm.train:run", evaluate="rnnkit.tasks.lm.predict:evaluate",
          summary="rnnkit.tasks.lm.model:describe", resolved=("level",))

__all__ = ["LM", "LMConfig", "generate"]
