"""A task's config from what the user typed: a file, `--key value` strings, a run folder.

Configs are pydantic dataclasses (`rnnkit.training.config.config_dataclass`): pydantic checks every
type and range, this module only says what went wrong in one line naming the key (and, for an
unknown key, the closest known one), and turns command-line strings into the values pydantic reads
("none" for an optional field, comma lists, JSON for dicts). Nothing here knows a particular task.
"""
from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import Field

from rnnkit.engine.choices import FAST_CHOICES
from rnnkit.errors import UserError, did_you_mean
from rnnkit.models.choices import CELLS
from rnnkit.training.config import PositiveInt, Rate, TrainConfig, config_dataclass

NONE_WORDS = ("none", "null")

CellName = Literal[CELLS]
RunnerName = Literal[FAST_CHOICES]
"""Field types the task configs share: the recurrent cell, and the engine's runner (`fast`)."""

CacheDir = Annotated[str | None, Field(description="dataset cache (default $RNNKIT_CACHE or ~/.cache/rnnkit)")]
NumLayers = Annotated[PositiveInt, Field(description="stacked recurrent layers")]
InputDropout = Annotated[Rate, Field(description="variational input dropout inside the recurrent layers")]
RecurrentDropout = Annotated[Rate, Field(description="variational recurrent dropout (article 003's; slower: the "
                                         "fastest kernels run without it)")]
InterLayerDropout = Annotated[Rate, Field(description="dropout between stacked recurrent layers")]
HeadDropout = Annotated[Rate, Field(description="dropout before the classifier's dense layer")]
Pooling = Annotated[str, Field(description="last, max, mean, attention, or several joined by +")]
ConvKernel = Annotated[PositiveInt, Field(description="width of the Conv1D front end's kernel")]
TestData = Annotated[str | None, Field(description="test file, scored once at the end")]
"""Fields several families declare, each with its own default and this one description (a family writes
`dropout: InputDropout = 0.3`, no docstring; a docstring beside it would be ignored, so a field whose meaning
differs in one family keeps a plain type and its own docstring)."""


@config_dataclass
class RecurrentModelConfig(TrainConfig):
    """The model fields every recurrent task family has, with one meaning and one description each. A
    family restates a field only to give it its own default (`field_docs` keeps the description); `--help`
    lists these after the family's own fields, before the training ones."""

    cell: CellName = "lstm"
    """the recurrent cell: lstm, gru or rnn (the articles), or slstm, mlstm (xLSTM), mingru, minlstm"""
    hidden_size: PositiveInt = 128
    """units of each recurrent layer (per direction)"""
    fast: RunnerName = "auto"
    """recurrent runner: auto (the fastest that serves the configuration), native, compiled, fused, loop"""


def epochs_for(asked: int | None, default: int, min_steps: int, steps_per_epoch: int) -> int:
    """The epochs a run trains: those `asked` for, else `default` raised so that training takes at least
    `min_steps` optimizer steps (a small file's few batches an epoch would otherwise leave its model untrained).
    Each family says what its default and its minimum are."""
    if asked is not None:
        return asked
    return max(default, math.ceil(min_steps / max(1, steps_per_epoch)))


def raised_epochs_note(epochs: int, per_epoch: int, unit: str, minimum: str) -> str:
    """The line a run prints when `epochs_for` raised its default: how many epochs of how many `unit`s, and the
    minimum (`min_steps=600`) that asked for them; each family adds what else the user should know."""
    return f"{epochs} epochs of {per_epoch} {unit}: at least {minimum} optimizer steps"


def fill_unset(config: Any, defaults: dict[str, Any]) -> None:
    """Give each field left at None ("default: per dataset/level") its value from `defaults`; a field the
    user set keeps theirs. Called from a config's __post_init__."""
    for name, value in defaults.items():
        if getattr(config, name) is None:
            setattr(config, name, value)


def field_types(config_cls: type) -> dict[str, Any]:
    """{field name: type annotation} of a config class, in declaration order."""
    hints = typing.get_type_hints(config_cls, include_extras=False)
    return {f.name: hints[f.name] for f in dataclasses.fields(config_cls)}


def field_docs(config_cls: type) -> dict[str, str]:
    """{field name: one-line description}: the field's docstring, inherited when a subclass only
    changes the default."""
    docs: dict[str, str] = {}
    for cls in config_cls.__mro__:
        for name, info in getattr(cls, "__pydantic_fields__", {}).items():
            if name not in docs and info.description:
                docs[name] = " ".join(info.description.split())
    return {f.name: docs.get(f.name, "") for f in dataclasses.fields(config_cls)}


def field_default(field: dataclasses.Field) -> Any:
    return field.default_factory() if field.default_factory is not dataclasses.MISSING else field.default


def changed_fields(config: Any) -> dict[str, Any]:
    """Fields that differ from their defaults (a run's reproduce line)."""
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config)
            if f.name != "run_dir" and getattr(config, f.name) != field_default(f)}


def type_name(hint: Any) -> str:
    """`int`, `float or none`, `list of str`: how the help and the errors name a field's type."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in typing.get_args(hint))
    if hint is type(None):
        return "none"
    if typing.get_origin(hint) is list:
        return f"list of {type_name(typing.get_args(hint)[0])}" if typing.get_args(hint) else "list"
    if typing.get_origin(hint) is typing.Literal:
        return "one of " + ", ".join(map(str, typing.get_args(hint)))
    return getattr(hint, "__name__", str(hint))


def from_string(key: str, text: str, hint: Any) -> Any:
    """A command-line string as the value pydantic should check for a field of type `hint`."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        if text.strip().lower() in NONE_WORDS and type(None) in args:
            return None
        hint = next(a for a in args if a is not type(None))
    origin = typing.get_origin(hint) or hint
    if origin in (list, dict):
        if text.strip().startswith(("[", "{")):
            try:
                return json.loads(text)
            except ValueError as err:
                raise UserError(f"config key {key!r}: {text!r} is not valid JSON ({err})") from None
        if origin is dict:
            raise UserError(f"config key {key!r}: expected a JSON object, got {text!r}")
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


RENAMED_KEYS = {"valid": "valid_data", "test": "test_data"}
"""Config keys an earlier release spelt otherwise (lm's --valid/--test, classify-series' --test): every task
now names its extra files --valid-data and --test-data."""


def renamed_key_error(key: str) -> UserError:
    new = RENAMED_KEYS[key]
    return UserError(f"config key {key!r} is now called {new!r} (--{new.replace('_', '-')})")


def with_current_keys(values: dict[str, Any], config_cls: type) -> dict[str, Any]:
    """A run folder's task config with the keys an earlier release wrote under their current names, and
    the keys added since (a config class's `KEYS_ADDED`: {key: the value a folder written before the key
    existed was trained with}, e.g. a default that changed when the key came) filled in where absent."""
    names = {f.name for f in dataclasses.fields(config_cls)}
    current = {RENAMED_KEYS.get(k, k) if k not in names and RENAMED_KEYS.get(k) in names else k: v
               for k, v in values.items()}
    return {**{k: v for k, v in getattr(config_cls, "KEYS_ADDED", {}).items() if k not in current}, **current}


def unknown_key_error(key: str, config_cls: type) -> UserError:
    names = [f.name for f in dataclasses.fields(config_cls)]
    if RENAMED_KEYS.get(key) in names:
        return renamed_key_error(key)
    hint = did_you_mean(key, names) or f"; expected one of {', '.join(names)}"
    return UserError(f"unknown config key {key!r} for {config_cls.__name__}{hint}")


def make_config(config_cls: type, values: dict[str, Any], *, base: Any = None, strings: bool = False) -> Any:
    """A checked `config_cls` from `values` over `base` (or the defaults); `strings`: the values are
    command-line text. Any mistake is a one-line UserError naming the key."""
    types_ = field_types(config_cls)
    for key in values:
        if key not in types_:
            raise unknown_key_error(key, config_cls)
    if strings:
        values = {k: v if not isinstance(v, str) else from_string(k, v, types_[k]) for k, v in values.items()}
    merged = {**(dataclasses.asdict(base) if base is not None else {}), **values}
    try:
        return pydantic.TypeAdapter(config_cls).validate_python(merged)
    except pydantic.ValidationError as err:
        raise UserError(validation_message(err, types_)) from None


def validation_message(err: pydantic.ValidationError, types_: dict[str, Any]) -> str:
    """pydantic's first error as one line: the key, what it expects, what it got."""
    first = err.errors(include_url=False)[0]
    key = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if not key:  # a check in __post_init__ names its own keys
        return message if message.startswith("config key") else f"bad config: {message}"
    expected = f" ({type_name(types_[key])})" if key in types_ else ""
    return f"config key {key!r}{expected}: {message[0].lower() + message[1:]}, got {first.get('input')!r}"


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The mapping in a JSON or YAML config file, or a run folder's task and task config."""
    path = Path(path)
    if path.is_dir():
        path = path / "config.json"
    if not path.is_file():
        raise UserError(f"{path}: config file not found")
    is_yaml = path.suffix in (".yaml", ".yml")
    try:
        text = path.read_text(encoding="utf-8")
        if is_yaml:
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except UnicodeDecodeError as err:
        raise UserError(f"{path}: byte {err.start}: not UTF-8 text") from None
    except Exception as err:  # yaml and json raise their own error types
        raise UserError(f"{path}: not valid {'YAML' if is_yaml else 'JSON'} ({str(err).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of config keys at the top level")
    if "task_config" in data:  # a run folder's config.json: train again with the same settings
        if not isinstance(data["task_config"], dict):
            raise UserError(f"{path}: 'task_config' is not a mapping")
        return {"task": data.get("task"), **data["task_config"]}
    return data
