"""Click options generated from the pydantic config models, so the option list exists once."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import click
from pydantic import BaseModel
from pydantic.fields import FieldInfo


@dataclass(frozen=True)
class Flag:
    """One command-line option and the config path it fills (e.g. ``("data", "batch_size")``)."""

    path: tuple[str, ...]
    option: click.Option
    annotation: Any

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _comma_list(item: Callable[[str], Any], length: int | None) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        values = [item(part.strip()) for part in text.split(",") if part.strip()]
        if length is not None and len(values) != length:
            raise click.BadParameter(f"expected {length} comma-separated values, got {len(values)}")
        return tuple(values) if length is not None else values

    return parse


def _click_type(annotation: Any) -> tuple[Any, bool]:
    """(click type, is_flag) for a field annotation."""
    annotation = _unwrap_optional(annotation)
    origin = get_origin(annotation)
    if annotation is bool:
        return None, True
    if origin is Literal:
        return click.Choice([str(arg) for arg in get_args(annotation)]), False
    if origin in (list, tuple):
        return click.STRING, False
    if annotation is Path:
        return click.Path(path_type=Path), False
    return {int: click.INT, float: click.FLOAT}.get(annotation, click.STRING), False


def _converter(annotation: Any) -> Callable[[Any], Any] | None:
    annotation = _unwrap_optional(annotation)
    origin = get_origin(annotation)
    if origin is list:
        return _comma_list(get_args(annotation)[0], None)
    if origin is tuple:
        args = get_args(annotation)
        return _comma_list(args[0], len(args))
    return None


def flags_for(model: type[BaseModel], prefix: tuple[str, ...] = (), skip: Iterable[str] = ()) -> list[Flag]:
    """A ``--field-name`` option for every leaf field of ``model`` (nested models are flattened)."""
    flags: list[Flag] = []
    skipped = set(skip)
    for name, field in model.model_fields.items():
        if name in skipped:
            continue
        annotation = _unwrap_optional(field.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            flags.extend(flags_for(annotation, (*prefix, name), skip))
            continue
        if get_origin(annotation) is dict:
            continue
        flags.append(Flag((*prefix, name), _option(name, field), field.annotation))
    return flags


def _option(name: str, field: FieldInfo) -> click.Option:
    click_type, is_flag = _click_type(field.annotation)
    dashed = name.replace("_", "-")
    declaration = f"--{dashed}/--no-{dashed}" if is_flag else f"--{dashed}"
    default = None if field.is_required() else field.get_default(call_default_factory=True)
    shown = "" if default is None or isinstance(default, BaseModel) else f" [default: {_show(default)}]"
    if field.is_required():
        unless = (
            (field.json_schema_extra or {}).get("required_unless")
            if isinstance(field.json_schema_extra, dict)
            else None
        )
        shown = f" [required unless {unless}]" if unless else " [required]"
    return click.Option(
        [declaration, name],
        type=click_type,
        default=None,
        help=(field.description or "") + shown,
    )


def _show(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    return str(value)


def with_flags(flags: list[Flag]) -> Callable[[click.Command], click.Command]:
    """Decorator that adds the generated options to a click command."""

    def decorate(command: click.Command) -> click.Command:
        command.params.extend(flag.option for flag in flags)
        return command

    return decorate


def values_from_flags(flags: list[Flag], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The options the user actually gave, as a nested dict keyed like the config models."""
    nested: dict[str, Any] = {}
    for flag in flags:
        assert flag.option.name is not None
        value = kwargs.pop(flag.option.name, None)
        if value is None:
            continue
        convert = _converter(flag.annotation)
        table = nested
        for part in flag.path[:-1]:
            table = table.setdefault(part, {})
        table[flag.path[-1]] = convert(value) if convert else value
    return nested


def flag_names(flags: list[Flag]) -> dict[str, str]:
    """Config path -> the option's spelling, for error messages."""
    return {flag.dotted: flag.option.opts[0] for flag in flags}
