"""The text tasks' configs: `classify` (the user's own files) and `sentiment` (named datasets).
Measured results of these defaults are in benchmarks/TASKS.md."""
from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from rnnkit.data import get_tokenizer
from rnnkit.tasks.config import (CacheDir, CellName, ConvKernel, HeadDropout, InputDropout, NumLayers, Pooling,
                                RecurrentDropout, RecurrentModelConfig, TestData)
from rnnkit.training.config import LearningRate, PositiveInt, Rate, ScheduleName, config_dataclass

SENTIMENT_DATASETS = ("imdb", "chinese-reviews", "movie-snippets", "vader-tweets")


@config_dataclass
class TextModelConfig(RecurrentModelConfig):
    """Tokenizer, vocabulary and model options shared by `classify` and `sentiment`."""

    tokenizer: str = "auto"
    """english, chars, chinese (jieba words), chinese-chars, or auto (chinese when the texts are mostly CJK;
    chinese-chars when a tenth of their letters are Japanese kana)"""
    vocab_size: Annotated[int, Field(ge=3)] = 20000
    """largest vocabulary, counting <pad> and <unk>"""
    min_freq: PositiveInt = 1
    """drop tokens seen fewer times in the training texts"""
    char_backoff: bool = False
    """read a word outside the vocabulary (seen < min_freq times) as its characters instead of <unk>"""
    maxlen: PositiveInt | None = 400
    """cut longer texts to this many tokens (none: keep all)"""
    second_view: str = "auto"
    """a second model (the next seed) trained after the first into <run>/second-view; predict and evaluate
    average the two models' class probabilities. auto: chinese-chars beside jieba words (the two err on
    different texts), else the same tokens again when the median text is over 500 characters (on shorter
    ones the baseline's blend takes its place); none (one model, half the time); or a tokenizer name (the
    run's own, e.g. english, for a second seed on short texts; chars for a character model beside it)"""
    second_view_epochs: PositiveInt | None = None
    """none: the first model's epochs (`epochs`, or those min_class_steps asked for), twice those over characters
    (longer sequences need more epochs)"""
    baseline: Literal["tfidf-logreg", "none"] = "tfidf-logreg"
    """tfidf-logreg: TF-IDF (word 1-2 grams, and character 2-5 grams (1-5 on Chinese) when the median text is at
    most 500 characters; scaled by naive Bayes log-count ratios on two classes) + logistic regression fitted on
    the same splits and reported beside the model; none: no baseline"""
    blend: bool = True
    """blend the baseline's class probabilities into the run's prediction with the weight (0 to 1), and the
    blend's Platt scaling, of lowest validation log loss; 0 (the model alone, scaled) unless the baseline helps on the
    validation texts"""
    truncating: Literal["pre", "post"] = "pre"
    """pre keeps the END of a long text (Keras' default), post keeps its start"""
    pretrain: Literal["none", "lm"] = "none"
    """lm: first train a language model on the training texts (and --unlabeled ones) over the classifier's
    vocabulary, cell and sizes, forward and, for a bidirectional classifier, backward; the classifier's embedding
    and recurrent layer start from it and are fine-tuned (ULMFiT, Howard & Ruder 2018; README, *Pretraining on
    your texts*); needs one recurrent layer when bidirectional and no conv front end"""
    unlabeled: str | None = None
    """texts without labels for --pretrain lm: a .txt file (one text per line) or a CSV/TSV/JSONL/Parquet file's
    unlabeled_col column; their words join the vocabulary"""
    unlabeled_col: str = "text"
    """the column of the --unlabeled table file holding its texts"""
    pretrain_epochs: PositiveInt = 5
    """passes of the language model over its texts"""
    pretrain_outputs: Annotated[int, Field(ge=3)] = 5000
    """the language model predicts this many of the vocabulary's most frequent tokens, the others as <unk>:
    its output layer, the costliest part, is that much smaller than the vocabulary"""
    lr_discount: Annotated[float, Field(ge=1.0)] = 1.0
    """with --pretrain lm: the recurrent layer fine-tunes at lr / lr_discount, the embedding at lr / lr_discount^2
    (ULMFiT's discriminative learning rates, 2.6 there); 1: one rate for all (the default: in the default's few
    epochs 2.6 lost on validation, benchmarks/TASKS.md)"""
    unfreeze: Literal["gradual", "all"] = "all"
    """with --pretrain lm: gradual trains the output layers alone for the first epoch, adds the recurrent layer
    in the second and the embedding from the third (ULMFiT); all (the default, which won on validation): every
    layer from the first"""
    cell: CellName = "gru"
    embedding_dim: PositiveInt = 128
    """size of the word vectors"""
    ngram_buckets: Annotated[int, Field(ge=0)] = 0
    """> 0 adds to each word's vector the vectors of the word n-grams ending there (up to ngram_max words),
    hashed into this many buckets (fastText's bigrams, read by the recurrent layer); 0: words only"""
    ngram_max: Annotated[int, Field(ge=2, le=4)] = 2
    """the longest hashed n-gram: 2 (bigrams) to 4"""
    embedding_init: Literal["random", "ppmi-svd"] = "ppmi-svd"
    """ppmi-svd (start from word vectors counted from the training texts) or random (uniform, Keras' default)"""
    hidden_size: PositiveInt = 96
    num_layers: NumLayers = 1
    bidirectional: bool = True
    """read each text both ways"""
    pooling: Pooling = "max+mean"
    conv_filters: Annotated[int, Field(ge=0)] = 0
    """> 0 adds a Conv1D + MaxPooling front end (article 003) with conv_kernel, conv_pool"""
    conv_kernel: ConvKernel = 5
    conv_pool: PositiveInt = 2
    """max-pooling width after the Conv1D front end"""
    embedding_dropout: Rate = 0.4
    """drop whole word vectors: the strongest regulariser for small corpora"""
    dropout: InputDropout = 0.25
    recurrent_dropout: RecurrentDropout = 0.0
    head_dropout: HeadDropout = 0.5
    epochs: PositiveInt | None = None
    """passes over the training texts; none: 5 (sentiment: 3), raised on a small file so that training takes at
    least min_class_steps optimizer steps per class; an epochs you give is kept"""
    min_class_steps: Annotated[int, Field(ge=0)] = 30
    """with epochs left at none: train at least this many optimizer steps (batches) per class. A small file is
    few batches an epoch (861 texts at batch 64: 14), too few for a model of dozens of classes; larger files,
    and two or three classes, keep the default epochs (benchmarks/TASKS.md, *Small files of many classes*);
    0: the default epochs whatever the file"""
    default_epochs: ClassVar[int] = 5
    batch_size: PositiveInt = 64
    lr: LearningRate | None = 2e-3
    schedule: ScheduleName | None = "cosine"
    clip_norm: float | None = 1.0
    validation_split: Rate = 0.1
    """fraction of the training texts held out when no --valid-data is given: seeded, the same fraction of
    each label (a file sorted by label still splits fairly)"""
    keep_best: bool = True
    monitor: str = "val_acc"

    def __post_init__(self):
        if self.tokenizer != "auto":
            try:
                get_tokenizer(self.tokenizer)
            except ValueError as err:
                raise ValueError(f"config key 'tokenizer': {err}") from None
        if self.unlabeled is not None and self.pretrain != "lm":
            raise ValueError(f"config key 'unlabeled' ({self.unlabeled!r}) goes with pretrain lm: unlabeled texts "
                             "train the language model the classifier starts from")
        if self.pretrain == "lm":
            if self.conv_filters or (self.bidirectional and self.num_layers > 1) or self.cell == "mlstm":
                raise ValueError("config key 'pretrain': lm needs a classifier whose recurrent layer reads the "
                                 "embedding step by step (no conv_filters, one layer when bidirectional, not mlstm), "
                                 f"got conv_filters={self.conv_filters}, num_layers={self.num_layers}, "
                                 f"bidirectional={self.bidirectional}, cell={self.cell!r}")
        if self.second_view not in ("auto", "none"):
            try:
                get_tokenizer(self.second_view)
            except ValueError as err:  # it names the tokenizers there are
                raise ValueError(f"config key 'second_view': {err}") from None


@config_dataclass
class ClassifyConfig(TextModelConfig):
    reads_folders: ClassVar[bool] = True  # a folder of class folders (the runner's check lets it through)
    data: str = ""
    """training file: CSV, TSV, JSONL or Parquet, or a folder of class folders holding a text file per text
    (IMDB's aclImdb/train: neg/*.txt, pos/*.txt) (required)"""
    valid_data: str | None = None
    """validation file (default: validation_split of the training file)"""
    test_data: TestData = None
    text_col: str = "text"
    """the column holding the texts"""
    label_col: str = "label"
    """the column holding the labels"""
    format: str | None = None
    """csv, tsv, jsonl, json, parquet or fasttext (`__label__X text` lines) (default: from the file name; a .txt
    by its first line: a tab, or `__label__`)"""
    encoding: str = "utf-8"
    """text encoding of CSV/TSV/JSONL files (a byte order mark names its own: UTF-16, UTF-8)"""

    def __post_init__(self):
        super().__post_init__()
        if not self.data:
            raise ValueError("config key 'data' is required: the training file (CSV, TSV, JSONL or Parquet)")


@config_dataclass
class SentimentConfig(TextModelConfig):
    dataset: Literal["imdb", "chinese-reviews", "movie-snippets", "vader-tweets"] = "imdb"
    """the named dataset (rnnkit datasets list), fetched on first use"""
    cache_dir: CacheDir = None
    validation_split: Rate = 0.04
    """fraction of the training texts held out for datasets without a validation split (IMDB): seeded, the
    same fraction of each label"""
    vocab_size: Annotated[int, Field(ge=3)] = 30000
    hidden_size: PositiveInt = 160
    default_epochs: ClassVar[int] = 3


@config_dataclass
class TextPredictOptions:
    text_col: str | None = None
    """the column of texts when --input is a table (CSV/TSV/JSONL/Parquet); default: the run's text column, or
    a one-column table's column whatever its name; a .txt file is one text per line"""
