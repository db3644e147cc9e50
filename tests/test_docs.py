"""Keep docs/configuration.md honest: every config key and every source type is documented.

In the spirit of Datasette's ``test_docs.py``: adding a field to ``wall/settings.py``
without a line in the docs fails here.
"""

import typing
from functools import cache
from pathlib import Path

import msgspec
import pytest

from wall.settings import Settings, SourceSettings

CONFIGURATION = Path(__file__).parent.parent / "docs" / "configuration.md"


@cache
def configuration_docs() -> str:
    return CONFIGURATION.read_text(encoding="utf-8")


def structs(tp: object) -> list[type[msgspec.Struct]]:
    """Every Struct reachable from ``tp`` through fields, lists, unions and ``Annotated``."""
    found: list[type[msgspec.Struct]] = []

    def walk(tp: object) -> None:
        if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            if tp not in found:
                found.append(tp)
                for field in msgspec.structs.fields(tp):
                    walk(field.type)
        else:
            for arg in typing.get_args(tp):
                walk(arg)

    walk(tp)
    return found


def keys(cls: type[msgspec.Struct]) -> list[str]:
    tag_field = cls.__struct_config__.tag_field
    names = [field.encode_name for field in msgspec.structs.fields(cls)]
    return [tag_field, *names] if tag_field else names


SOURCES = structs(SourceSettings)
KEYS = [(cls.__name__, key) for cls in structs(Settings) for key in keys(cls)]


def test_the_walk_reaches_every_settings_struct_and_source_type():
    names = {cls.__name__ for cls in structs(Settings)}
    assert {"ServerSettings", "EventSettings", "RulesSettings", "DemoSource"} <= names
    assert set(SOURCES) <= set(structs(Settings))


@pytest.mark.parametrize(("struct", "key"), KEYS, ids=[f"{s}.{k}" for s, k in KEYS])
def test_every_config_key_is_documented(struct, key):
    assert f"`{key}`" in configuration_docs(), f"{struct}.{key} is missing from {CONFIGURATION}"


@pytest.mark.parametrize("source", SOURCES, ids=[s.__name__ for s in SOURCES])
def test_every_source_type_is_documented(source):
    tag = source.__struct_config__.tag
    assert f'`type = "{tag}"`' in configuration_docs(), f"source type {tag!r} is not documented"
