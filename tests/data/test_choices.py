"""`rnnkit.data.choices` names the catalog's series sets for configs without importing the catalog: the names
must be the catalog's own, in its order (`rnnkit train forecast --help` lists them so)."""
import subprocess
import sys

from rnnkit.data.catalog import SERIES
from rnnkit.data.catalog.ucr import UCR_DATASETS
from rnnkit.data.choices import SERIES_NAMES, UCR_NAMES


def test_the_names_are_the_catalogs():
    assert SERIES_NAMES == tuple(SERIES)
    assert UCR_NAMES == tuple(UCR_DATASETS)


def test_the_module_imports_nothing():
    code = "import sys, rnnkit.data.choices; print(sorted(m for m in sys.modules if m.startswith(('pandas', 'numpy'))))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
