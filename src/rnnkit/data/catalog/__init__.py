"""The named datasets, one module per source family; importing a module registers its datasets.

To add a dataset: write its `Source`s (official URL first, registry mirror next, each with the
sha256 you observed), an extractor to canonical files, and a loader returning a `Dataset`; then
`register(DatasetSpec(...))` and import the module here.
"""

from rnnkit.data.catalog import chinese_reviews, imdb, mnist, ptb, seattle  # noqa: F401
