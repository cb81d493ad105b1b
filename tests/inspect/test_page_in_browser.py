"""The inspect page in a real headless browser (Debian's chromium driven by Playwright): it loads from a
file:// address with no network, hovering a token shows that token's traced values, and picking another
unit in the select box shows that unit's."""
import os
import re

import pytest

from conftest import page_data

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (Debian's chromium "
                                "package: apt-get install chromium); the page cannot be opened in a browser")


@pytest.fixture(scope="module")
def page_file(runs, tmp_path_factory):
    from rnnkit.cli.inspect import inspect_run

    out = tmp_path_factory.mktemp("page")
    inspect_run(runs / "classify", ['the movie "was a" great', "a plot was the boring"], out=out, feature="quotes")
    return out / "inspect.html"


def shown_value(info: str, label: str) -> float:
    return float(re.search(re.escape(label) + r": (-?\d+\.\d+)", info).group(1))


def test_hovering_a_token_shows_its_traced_values(page_file):
    sync_api = pytest.importorskip("playwright.sync_api")
    data = page_data(page_file)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            errors, requests = [], []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            page.select_option("#text", "1")  # the second text
            panel = "layer 1 forward: update gate"
            page.select_option("#panel", panel)
            text = data["texts"][1]
            for unit in (0, 3):
                page.select_option("#unit", str(unit))
                for k in (0, 4):
                    page.hover(f"#tokens span[data-index='{k}']")
                    info = page.inner_text("#info")
                    assert info.startswith(f"token {k}: {text['tokens'][k]}")
                    want = text["panels"][panel][k][unit]
                    assert abs(shown_value(info, f"{panel}, unit {unit}") - want) <= 5e-5
                    assert abs(float(page.get_attribute("#info", "data-value")) - want) <= 1e-6
                    assert abs(shown_value(info, "contribution") - text["contributions"][k]) <= 5e-5
                    cell = "layer 1 backward: cell state" if "layer 1 backward: cell state" in text["panels"] else \
                        "layer 1 backward: hidden state"
                    assert abs(shown_value(info, "  " + cell) - text["panels"][cell][k][unit]) <= 5e-5
            colours = {page.eval_on_selector(f"#tokens span[data-index='{k}']", "s => s.style.background")
                       for k in range(len(text["tokens"]))}
            assert len(colours) > 1  # the tokens are coloured by their values
            assert not errors, errors
            assert all(url.startswith("file://") for url in requests), requests  # nothing from the network
        finally:
            browser.close()

