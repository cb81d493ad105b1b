"""The data layer's choices that task configs offer (fills, target transforms, pair token kinds, the named series
and series-classification sets), in a module that imports nothing, so a config (and `rnnkit train TASK --help`)
reads them without importing pandas through the readers and the catalog; those modules take them from here."""

DEFAULT_TIME_COL = "time"
FILLS = ("auto", "none", "ffill", "interpolate")
TARGET_TRANSFORMS = ("none", "log")
PAIR_TOKENS = ("chars", "words")
TOKEN_CHOICES = ("auto", *PAIR_TOKENS)
SERIES_NAMES = ("seattle-weather", "taylor-electricity", "airline")
"""The catalog's forecasting series (`catalog.SERIES`, in this order)"""
UCR_NAMES = ("japanese-vowels", "basic-motions", "italy-power-demand", "gun-point", "arrow-head", "osu-leaf")
"""The catalog's series-classification sets (`catalog.ucr.UCR_DATASETS`, in this order)"""
