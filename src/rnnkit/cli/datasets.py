"""`rnnkit datasets list | info NAME | fetch NAME`: a thin skin over `rnnkit.data.datasets`.

Errors are not caught here: the main CLI turns a `UserError` into its one-line message and exit 2.
The catalog (pandas and the dataset modules) is imported inside each command, so that building the
command tree for `rnnkit --help` imports none of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rnnkit.cli.usage import GROUP, Command

app = typer.Typer(help="List, describe and fetch the named datasets. `rnnkit datasets list` shows which are cached.",
                  no_args_is_help=True, **GROUP)

CacheDir = typer.Option(None, "--cache-dir", metavar="DIR",
                        help="cache folder (default: $RNNKIT_CACHE or ~/.cache/rnnkit)")
Name = typer.Argument(..., metavar="NAME", help="a dataset name (rnnkit datasets list)")


def _console():
    from rich.console import Console

    return Console()


@app.command(cls=Command, name="list")
def list_command(cache_dir: Optional[Path] = CacheDir) -> None:
    """List the named datasets. Their task and sizes, and whether they are cached."""
    from rich.table import Table

    from rnnkit.data.catalog import dataset_info, is_cached, list_datasets

    table = Table("name", "task", "sizes", "cached")
    for name in list_datasets():
        info = dataset_info(name)
        sizes = ", ".join(f"{k} {v:,}" for k, v in info.sizes.items())
        table.add_row(name, info.task, sizes, "yes" if is_cached(name, cache_dir) else "no")
    _console().print(table)


@app.command(cls=Command, name="info")
def info_command(name: str = Name) -> None:
    """Describe one dataset. Sizes, labels, split, sources, licence, citation, published results."""
    from rnnkit.data.catalog import dataset_info

    info, out = dataset_info(name), _console()
    out.print(f"[bold]{info.name}[/bold]: {info.description}")
    out.print(f"task: {info.task}")
    out.print("sizes: " + ", ".join(f"{k} {v:,}" for k, v in info.sizes.items()))
    if info.labels:
        out.print("labels: " + ", ".join(info.labels))
    out.print(f"split: {info.split}")
    out.print("sources (tried in order): " + "; ".join(info.sources))
    out.print(f"homepage: {info.homepage}\nlicense: {info.license}\ncitation: {info.citation}")
    for line in info.published:
        out.print(f"published: {line}")


@app.command(cls=Command, name="fetch")
def fetch_command(name: str = Name, cache_dir: Optional[Path] = CacheDir) -> None:
    """Fetch a dataset into the cache. Downloaded once and verified; prints the folder holding its files."""
    from rnnkit.data.catalog import fetch_dataset

    _console().print(str(fetch_dataset(name, cache_dir)), soft_wrap=True)
