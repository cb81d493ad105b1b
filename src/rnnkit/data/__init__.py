"""rnnkit.data: from files and named datasets to padded batches of ids (no model code here).

`sources` fetches and caches artifacts, `datasets` names them, `readers` reads the user's own
files, `text` tokenizes and builds vocabularies, `batching` pads and buckets.
"""

from rnnkit.data.batching import BucketBatchSampler, collate, lengths_of, pad_sequences
from rnnkit.data.catalog import dataset_info, fetch_dataset, list_datasets, load_dataset
from rnnkit.data.datasets import ArraySplit, Dataset, DatasetInfo, TextSplit
from rnnkit.data.readers import LabelMap, TextTable, read_npz, read_texts
from rnnkit.data.text import Vocabulary, characters, chinese_characters, chinese_words, english_words, get_tokenizer

__all__ = [
    "ArraySplit", "BucketBatchSampler", "Dataset", "DatasetInfo", "LabelMap", "TextSplit", "TextTable",
    "Vocabulary", "characters", "chinese_characters", "chinese_words", "collate", "dataset_info",
    "english_words", "fetch_dataset", "get_tokenizer", "lengths_of", "list_datasets", "load_dataset",
    "pad_sequences", "read_npz", "read_texts",
]
