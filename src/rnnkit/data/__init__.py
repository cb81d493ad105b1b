"""rnnkit.data: from files and named datasets to padded batches of ids (no model code here).

`sources` fetches and caches artifacts, `datasets` names them, `readers` reads the user's own
files, `text` tokenizes and builds vocabularies, `batching` pads and buckets. The names below are
imported on first use (`rnnkit.lazy`): a config that needs one constant of a module here does not
import pandas for it.
"""
from rnnkit.lazy import lazy_names

__all__ = [
    "ArraySplit", "BucketBatchSampler", "Dataset", "DatasetInfo", "LabelMap", "TextSplit", "TextTable",
    "Vocabulary", "characters", "chinese_characters", "chinese_words", "collate", "dataset_info",
    "english_words", "fetch_dataset", "get_tokenizer", "lengths_of", "list_datasets", "load_dataset",
    "pad_sequences", "read_npz", "read_texts",
]
__getattr__, __dir__ = lazy_names(__name__, {
    "BucketBatchSampler": "batching", "collate": "batching", "lengths_of": "batching", "pad_sequences": "batching",
    "dataset_info": "catalog", "fetch_dataset": "catalog", "list_datasets": "catalog", "load_dataset": "catalog",
    "ArraySplit": "datasets", "Dataset": "datasets", "DatasetInfo": "datasets", "TextSplit": "datasets",
    "LabelMap": "readers", "TextTable": "readers", "read_npz": "readers", "read_texts": "readers",
    "Vocabulary": "text", "characters": "text", "chinese_characters": "text", "chinese_words": "text",
    "english_words": "text", "get_tokenizer": "text"})
