"""Short English texts with human sentiment ratings (Hutto & Gilbert's VADER ground truth, shipped in
vaderSentiment's sdist): movie-review sentences and tweets, each labelled by the sign of its mean rating.

Each line of a ground-truth file is `id <TAB> mean rating in [-4, 4] <TAB> text`; texts rated exactly 0
are dropped (neither class), then `clean_and_split` (deduplicate, drop texts labelled both ways, fixed
seeded 80/10/10 split) as for chinese-reviews.
"""
from __future__ import annotations

import io
import tarfile
from pathlib import Path

from rnnkit.data.catalog.chinese_reviews import clean_and_split
from rnnkit.data.datasets import Dataset, DatasetInfo, DatasetSpec, TextSplit, check_size
from rnnkit.data.sources import Source, open_member
from rnnkit.errors import UserError

VADER_SDIST = "vaderSentiment==3.3.2"
VADER_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
INNER_TAR = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
SPLIT_SEED = 20261130


def inner_member(member: str, target: str):
    """An extractor copying `member` of the tarball nested in the sdist to `target`."""

    def extract(artifact: Path, out: Path) -> None:
        with open_member(artifact, INNER_TAR) as inner, tarfile.open(fileobj=io.BytesIO(inner.read())) as tar:
            data = tar.extractfile(f"hutto_ICWSM_2014/{member}")
            if data is None:
                raise KeyError(member)
            (out / target).write_bytes(data.read())

    return extract


def read_rated(path: Path, name: str) -> tuple[list[str], list[str]]:
    """(negative texts, positive texts) of a ground-truth file."""
    neg, pos = [], []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise UserError(f"dataset {name!r}: {path} is not UTF-8 at byte {err.start}; "
                        "delete its cache folder and fetch again") from None
    for number, line in enumerate(lines, 1):
        fields = line.split("\t")
        try:
            rating, text = float(fields[1]), fields[2].strip()
        except (IndexError, ValueError):
            raise UserError(f"dataset {name!r}: {path} line {number}: expected 'id<TAB>rating<TAB>text'; "
                            "delete its cache folder and fetch again") from None
        if rating != 0 and text:
            (pos if rating > 0 else neg).append(text)
    return neg, pos


def load_rated(folder: Path, info: DatasetInfo) -> Dataset:
    splits, _ = clean_and_split(*read_rated(folder / "rated.tsv", info.name), seed=SPLIT_SEED)
    for k, (texts, _) in splits.items():
        check_size(info.name, k, len(texts), info.sizes[k])
    t = {k: TextSplit(texts, labels) for k, (texts, labels) in splits.items()}
    return Dataset(info.name, t["train"], t["valid"], t["test"], info, split_seed=SPLIT_SEED)


def rated_spec(name: str, member: str, description: str, sizes: dict[str, int]) -> DatasetSpec:
    return DatasetSpec(
        DatasetInfo(
            name=name, description=description, task="text classification (binary sentiment, short English texts)",
            sizes=sizes, labels=["neg", "pos"],
            split=f"rnnkit's fixed split 80/10/10: texts rated 0 dropped, deduplicated, sorted, then shuffled with "
                  f"numpy.random.default_rng({SPLIT_SEED})",
            homepage="https://github.com/cjhutto/vaderSentiment",
            license="MIT (vaderSentiment, which ships the ratings and texts)",
            citation="Hutto & Gilbert (2014), VADER: A Parsimonious Rule-based Model for Sentiment Analysis of "
                     "Social Media Text, ICWSM-14; ground truth in vaderSentiment 3.3.2's additional_resources",
            published=["no standard split; compare with the run's own TF-IDF + logistic regression baseline"],
        ),
        (Source("pypi-sdist", VADER_SDIST, VADER_SHA256, inner_member(member, "rated.tsv")),),
        load_rated,
    )


MOVIE_SNIPPETS = rated_spec(
    "movie-snippets", "movieReviewSnippets_GroundTruth.txt",
    "Sentences from Rotten Tomatoes movie reviews (Pang & Lee's sentence polarity data), each rated by 20 "
    "people; positive or negative by the sign of the mean rating. Median 18 words.",
    {"train": 8_453, "valid": 1_057, "test": 1_056})
VADER_TWEETS = rated_spec(
    "vader-tweets", "tweets_GroundTruth.txt",
    "Tweets rated by 20 people each; positive or negative by the sign of the mean rating (about 69% positive). "
    "Median 13 words.",
    {"train": 3_357, "valid": 420, "test": 419})
