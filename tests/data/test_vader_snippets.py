"""movie-snippets / vader-tweets: the ground truth read out of the tarball nested in vaderSentiment's sdist,
labelled by the sign of the mean rating (0 dropped), and a one-line error for a damaged line."""
import io
import tarfile

import numpy as np
import pytest

from rnnkit.data.catalog import vader_snippets
from rnnkit.errors import UserError


def tar_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def test_ratings_come_out_of_the_nested_tarball_labelled_by_sign(tmp_path):
    truth = "1\t2.5\tSo lucky.\n2\t-1.2\tAwful day.\n3\t0\tJust a fact.\n4\t0.3\tfine\n".encode()
    inner = tar_bytes({"hutto_ICWSM_2014/tweets_GroundTruth.txt": truth})
    sdist = tmp_path / "vaderSentiment-3.3.2.tar.gz"
    sdist.write_bytes(tar_bytes({vader_snippets.INNER_TAR: inner}))
    vader_snippets.inner_member("tweets_GroundTruth.txt", "rated.tsv")(sdist, tmp_path)
    neg, pos = vader_snippets.read_rated(tmp_path / "rated.tsv", "vader-tweets")
    assert neg == ["Awful day."] and pos == ["So lucky.", "fine"]  # rated 0: neither class


def test_a_damaged_line_is_one_error_naming_the_file_and_line(tmp_path):
    path = tmp_path / "rated.tsv"
    path.write_text("1\t2.5\tgood\n2\tnot-a-number\tbad\n")
    with pytest.raises(UserError, match=r"rated.tsv line 2: expected 'id<TAB>rating<TAB>text'"):
        vader_snippets.read_rated(path, "vader-tweets")


@pytest.mark.slow
def test_real_movie_snippets_and_tweets_from_the_registry(tmp_path):
    from rnnkit.data.catalog import load_dataset

    for name, sizes in (("movie-snippets", (8_453, 1_057, 1_056)), ("vader-tweets", (3_357, 420, 419))):
        ds = load_dataset(name, cache_dir=tmp_path)
        assert (len(ds.train), len(ds.valid), len(ds.test)) == sizes
        assert not set(ds.train.texts) & set(ds.test.texts) and set(np.unique(ds.train.labels)) == {0, 1}
