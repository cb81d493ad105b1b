"""Command-line options generated from a config dataclass: one `--field-name VALUE` per field, its help
the field's docstring, its metavar the type or the choices. Values stay strings; pydantic checks them
when the config is built (`rnnkit.tasks.config.make_config(..., strings=True)`)."""
from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

import click

from rnnkit.tasks.config import field_default, field_docs, field_types, type_name


def metavar(hint: Any) -> str:
    """INT, FLOAT|NONE, [imdb|chinese-reviews], [step|cosine|none], LIST: what the help shows a field takes."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        parts = [metavar(a) for a in typing.get_args(hint)]
        if any(p.startswith("[") for p in parts):  # choices, or none
            return "[" + "|".join(p.strip("[]").lower() for p in parts) + "]"
        return "|".join(parts)
    if typing.get_origin(hint) is typing.Literal:
        return "[" + "|".join(map(str, typing.get_args(hint))) + "]"
    return type_name(hint).replace("list of str", "LIST").replace("str", "TEXT").upper()


def field_option(name: str, hint: Any, default: Any, doc: str) -> click.Option:
    """`--hidden-size INT  units of each recurrent layer  [default: 160]`; a bool may be given bare."""
    is_bool = bool in (typing.get_args(hint) or (hint,))
    return click.Option([f"--{name.replace('_', '-')}", name], default=None, metavar=metavar(hint),
                        help=f"{doc}{default_note(default, doc)}".strip(),
                        **({"is_flag": False, "flag_value": "true"} if is_bool else {}))


def default_note(default: Any, doc: str) -> str:
    """"  [default: 160]" in the words the command line takes (true, none, a,b lists); nothing for an empty
    default (a field the user must give, whose docstring says so) or a None whose docstring gives the default."""
    if default is None:
        return "" if "default" in doc else "  [default: none]"
    shown = ",".join(map(str, default)) if isinstance(default, list) else str(default)
    shown = shown.lower() if isinstance(default, bool) else shown
    return f"  [default: {shown}]" if shown else ""


def config_options(config_cls: type, skip: tuple[str, ...] = ()) -> list[click.Option]:
    """An option per field of `config_cls` (but `skip`), in declaration order."""
    types_, docs = field_types(config_cls), field_docs(config_cls)
    return [field_option(f.name, types_[f.name], field_default(f), docs[f.name])
            for f in dataclasses.fields(config_cls) if f.name not in skip]
