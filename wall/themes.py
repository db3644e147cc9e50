"""Themes: one folder each under ``themes/``, a ``theme.css`` and a ``theme.toml``."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

import msgspec

# Package data, so an installed wheel serves its themes like a checkout does.
THEMES = Path(str(files("wall") / "themes"))


class ThemeWords(msgspec.Struct, frozen=True, kw_only=True):
    """A theme's label and description in one more language (a ``[fr]`` table)."""

    label: str
    description: str = ""


class ThemeInfo(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    label: str
    description: str = ""
    logo: str | None = None
    # The label and description in other languages, by code ("fr"): pages pick their own.
    words: dict[str, ThemeWords] = {}


# The pages' languages besides English, the theme files' own.
_LANGUAGES = frozenset({"fr"})


def list_themes(root: Path | None = None) -> list[ThemeInfo]:
    """Every folder with a readable ``theme.toml`` and a ``theme.css``, by name."""
    root = root or THEMES
    themes = []
    if not root.is_dir():
        return []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        meta, css = folder / "theme.toml", folder / "theme.css"
        if not (meta.is_file() and css.is_file()):
            continue
        try:
            data = tomllib.loads(meta.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        logo = data.get("logo")
        words = {
            code: ThemeWords(
                label=str(table.get("label") or ""), description=str(table.get("description", ""))
            )
            for code, table in data.items()
            if code in _LANGUAGES and isinstance(table, dict) and table.get("label")
        }
        themes.append(
            ThemeInfo(
                name=folder.name,
                label=str(data.get("label") or data.get("name") or folder.name),
                description=str(data.get("description", "")),
                logo=f"/themes/{folder.name}/{logo}" if isinstance(logo, str) else None,
                words=words,
            )
        )
    return themes
