"""`rnnkit datasets list | info NAME | fetch NAME`: a thin skin over `rnnkit.data.datasets`.

Errors are not caught here: the main CLI turns a `UserError` into its one-line message and exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from rnnkit.data.catalog import dataset_info, fetch_dataset, is_cached, list_datasets

app = typer.Typer(help="Named datasets: list them, read about them, fetch them into the cache.",
                  no_args_is_help=True)
_out = Console()

CacheDir = typer.Option(None, "--cache-dir", help="Cache folder (default: $RNNKIT_CACHE or ~/.cache/rnnkit).")


@app.command("list")
def list_command(cache_dir: Optional[Path] = CacheDir) -> None:
    """List the named datasets, their task and sizes, and whether they are cached."""
    table = Table("name", "task", "sizes", "cached")
    for name in list_datasets():
        info = dataset_info(name)
        sizes = ", ".join(f"{k} {v:,}" for k, v in info.sizes.items())
        table.add_row(name, info.task, sizes, "yes" if is_cached(name, cache_dir) else "no")
    _out.print(table)


@app.command("info")
def info_command(name: str) -> None:
    """Describe one dataset: sizes, labels, split, sources, licence, citation, published results."""
    info = dataset_info(name)
    _out.print(f"[bold]{info.name}[/bold]: {info.description}")
    _out.print(f"task: {info.task}")
    _out.print("sizes: " + ", ".join(f"{k} {v:,}" for k, v in info.sizes.items()))
    if info.labels:
        _out.print("labels: " + ", ".join(info.labels))
    _out.print(f"split: {info.split}")
    _out.print("sources (tried in order): " + "; ".join(info.sources))
    _out.print(f"homepage: {info.homepage}\nlicense: {info.license}\ncitation: {info.citation}")
    for line in info.published:
        _out.print(f"published: {line}")


@app.command("fetch")
def fetch_command(name: str, cache_dir: Optional[Path] = CacheDir) -> None:
    """Download (once), verify and cache a dataset; prints the folder holding its files."""
    folder = fetch_dataset(name, cache_dir)
    _out.print(str(folder), soft_wrap=True)
