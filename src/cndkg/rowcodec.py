"""A positional JSON codec for dataclasses: each object an array of its fields' values, in field order.

The parse cache's codec (:func:`cndkg.cache.from_json`) writes a dataclass as
an object of named fields, which suits entries read one file at a time. A table
the build reads whole at every rebuild (the texts' views: about a million
values at 10,000 texts) is smaller and about twice as quick to decode with
positions instead of names. As there, the decoder builds only what the type
hints name (dataclasses, tuples, lists, literals, ``X | None``, str, int,
float, bool, None), so reading a row can never run code, and any other shape
raises :class:`~cndkg.cache.ShapeError`.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, TypeVar

from cndkg.cache import Decoder, ShapeError, exact_decoder, float_decoder

T = TypeVar("T")

_FIELDS: dict[type, tuple[str, ...]] = {}


def _init_fields(cls: type) -> tuple[str, ...]:
    """Return the names of a dataclass's fields set by its constructor, in order (cached per class)."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.init)
    return found


def to_row(value: object) -> Any:
    """Return a JSON-ready form of a value: a dataclass as the array of its fields' values, tuples as arrays."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, tuple | list):
        return [to_row(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [to_row(getattr(value, name)) for name in _init_fields(type(value))]
    raise TypeError(f"cannot encode a {type(value).__name__} as a row")


def from_row(data: object, kind: type[T]) -> T:
    """Return parsed JSON decoded as a ``kind``; raise ShapeError when it has another shape."""
    return typing.cast(T, row_decoder(typing.cast(Any, kind))(data))


@functools.cache
def row_decoder(hint: Any) -> Decoder:
    """Return the decoder of a type hint (compiled once per hint)."""
    return _compile(hint)


def _compile(hint: Any) -> Decoder:
    """Return a function decoding parsed JSON as ``hint`` (see :func:`from_row`)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        return _optional(args)
    if origin in (tuple, list) and (origin is list or (len(args) == 2 and args[1] is Ellipsis)):
        return _sequence(origin, args[0])
    if origin is typing.Literal:
        return _literal(args)
    if hint is float:
        return float_decoder
    if hint in (str, int, bool):
        return exact_decoder(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint)
    raise TypeError(f"rows cannot decode a {hint!r}")


def _literal(allowed: tuple[Any, ...]) -> Decoder:
    """Return a decoder accepting exactly one of a ``Literal``'s values."""

    def decode(data: object) -> Any:
        if type(data) is not str or data not in allowed:
            raise ShapeError(f"expected one of {allowed}")
        return data

    return decode


def _optional(args: tuple[Any, ...]) -> Decoder:
    """Return the decoder of ``X | None`` (the only unions rows hold)."""
    arms = [arm for arm in args if arm is not type(None)]
    if len(arms) != 1 or len(args) != 2:
        raise TypeError(f"rows decode only X | None, not {args!r}")
    bound: list[Decoder] = []  # bound at the first call: the arm may hold the union

    def decode(data: object) -> Any:
        if data is None:
            return None
        if not bound:
            bound.append(row_decoder(arms[0]))
        return bound[0](data)

    return decode


def _sequence(origin: type, item_hint: Any) -> Decoder:
    """Return the decoder of ``tuple[X, ...]`` or ``list[X]``."""
    bound: list[Decoder] = []

    def decode(data: object) -> Any:
        if type(data) is not list:
            raise ShapeError(f"expected an array for a {origin.__name__}")
        if not bound:
            bound.append(row_decoder(item_hint))
        item = bound[0]
        items = [item(value) for value in data]
        return items if origin is list else tuple(items)

    return decode


def _dataclass(cls: type) -> Decoder:
    """Return the decoder of a dataclass written as the array of its constructor's fields."""
    if any(f.kw_only for f in dataclasses.fields(cls) if f.init):
        raise TypeError(f"rows decode positional fields only, and {cls.__name__} has keyword-only ones")
    names = _init_fields(cls)
    fields: list[Decoder] = []  # filled at the first call: a dataclass may hold itself

    def decode(data: object) -> Any:
        if type(data) is not list or len(data) != len(names):
            raise ShapeError(f"expected an array of {len(names)} values for a {cls.__name__}")
        if not fields:
            hints = typing.get_type_hints(cls)
            fields[:] = [row_decoder(hints[name]) for name in names]  # one assignment: a thread sees none or all
        return cls(*[decode_field(value) for decode_field, value in zip(fields, data, strict=True)])

    return decode
