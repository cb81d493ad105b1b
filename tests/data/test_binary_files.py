"""A binary file given where a text was expected (a compressed changelog, an image, a workbook) is named for what
it is, in every family's reader: the decoding error's advice, --encoding latin-1, would read it as text."""
import gzip
import re
import zipfile

import pytest

from rnnkit.data.lm_streams import read_chunks
from rnnkit.data.readers import read_texts
from rnnkit.data.series import read_series
from rnnkit.data.tagging import read_tagged
from rnnkit.errors import UserError

TEXT = "text,label\n" + "".join(f"line {i} of a changelog,{i % 2}\n" for i in range(200))


def gz(path):
    path.write_bytes(gzip.compress(TEXT.encode()))
    return path


def png(path):
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    return path


def zipped(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", TEXT * 5)
    return path


READERS = {"lm": lambda p: list(read_chunks(p)), "classify": lambda p: read_texts(p),
           "tag": lambda p: read_tagged(p), "forecast": lambda p: read_series(p, "time", None)}


@pytest.mark.parametrize("family", sorted(READERS))
@pytest.mark.parametrize("make,name,said", [(gz, "changelog.Debian.csv", "a gzip-compressed file, not text; decompress "
                                             "it first \\(gunzip -k changelog.Debian.csv\\)"),
                                            (png, "logo.csv", "a PNG image, not text"),
                                            (zipped, "sheet.csv", "a zip archive \\(a .xlsx")])
def test_a_binary_file_is_named_for_what_it_is(tmp_path, family, make, name, said):
    path = make(tmp_path / name)
    with pytest.raises(UserError, match=f"{name}: {said}") as err:
        READERS[family](path)
    assert "--encoding" not in str(err.value)


def test_a_latin1_text_is_still_told_its_encoding(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(TEXT.replace("changelog", "Änderung").encode("latin-1"))
    with pytest.raises(UserError, match="--encoding latin-1"):
        read_texts(path)


def test_nul_bytes_name_utf16_without_its_mark_as_the_likely_text(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes("héllo wörld\n".encode("utf-16-le") * 50)
    with pytest.raises(UserError, match="NUL bytes .* --encoding utf-16-le"):
        list(read_chunks(path))
    assert "wörld" in "".join(read_chunks(path, encoding="utf-16-le"))


def test_numpy_files_are_named_as_numpy_not_as_utf16_or_a_zip_to_unpack(tmp_path):
    """A user's X.npy for classify-series was "a binary file (NUL bytes ...): --encoding utf-16-le", and an .npz "a zip
    archive (a .xlsx or .docx file is one too) ... unpack it"."""
    import numpy as np

    from rnnkit.data.ucr_tsv import read_series_file
    np.save(tmp_path / "X.npy", np.zeros((5, 30)))
    np.savez(tmp_path / "xy.npz", X=np.zeros((5, 30)), y=np.arange(5))
    for name, said in (("X.npy", "a NumPy array (.npy)"), ("xy.npz", "a NumPy archive (.npz)")):
        with pytest.raises(UserError, match=re.escape(f"{name}: {said}, not text; write the arrays out as text")) as err:
            read_series_file(tmp_path / name)
        assert "utf-16" not in str(err.value) and "unpack" not in str(err.value)
