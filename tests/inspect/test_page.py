"""The page's data: inline, valid JSON (NaN and infinities as null), safe from tokens that look like HTML."""
import numpy as np

from rnnkit.inspect.page import write_page

from conftest import page_data


def test_tokens_cannot_end_the_script_and_nan_is_null(tmp_path):
    tokens = ["</script><b>x</b>", "&amp;", '"']
    panels = {"layer 1: hidden state": np.array([[0.5], [np.nan], [np.inf]])}
    path = write_page(tmp_path / "p.html", {"title": "<t>", "feature": None, "correlated": [],
                                            "texts": [{"text": "t", "tokens": tokens, "panels": panels}]})
    html = path.read_text(encoding="utf-8")
    assert html.count("</script>") == 1 and "<title>&lt;t&gt;</title>" in html
    text = page_data(path)["texts"][0]
    assert text["tokens"] == tokens and text["panels"]["layer 1: hidden state"] == [[0.5], [None], [None]]
    assert "http" not in html  # no address to fetch anything from
