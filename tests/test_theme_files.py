"""The themes that ship in ``themes/``: complete, custom properties only, fonts from Murmur.

A theme is a folder with ``theme.css`` (custom properties on ``:root``, nothing else) and
``theme.toml`` (docs/themes.md). The wall's own stylesheet lists, on its ``:root``, every
property a theme may set; each shipped theme sets them all, so switching themes never
leaves a colour from the previous one behind.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from wall.themes import THEMES, list_themes

ROOT = Path(__file__).resolve().parent.parent
WALL_CSS = ROOT / "wall" / "static" / "wall.css"
SHIPPED = sorted(p.name for p in THEMES.iterdir() if (p / "theme.toml").is_file())
COMMENT = re.compile(r"/\*.*?\*/", re.S)
PROPERTY = re.compile(r"(--[\w-]+)\s*:")


def root_block(css: str) -> str:
    match = re.search(r":root\s*\{(.*?)\}", COMMENT.sub("", css), re.S)
    assert match, "no :root block"
    return match.group(1)


def wall_properties() -> set[str]:
    return set(PROPERTY.findall(root_block(WALL_CSS.read_text())))


def test_the_four_promised_themes_ship():
    assert {"default", "dark", "high-contrast", "univ-sample"} <= set(SHIPPED)
    assert [t.name for t in list_themes()] == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_a_theme_sets_custom_properties_on_root_and_nothing_else(name):
    css = COMMENT.sub("", (THEMES / name / "theme.css").read_text())
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    selectors = [selector.strip() for selector, _ in rules]
    assert selectors.count(":root") == 1
    assert set(selectors) <= {":root", "@font-face"}, selectors
    root = dict(rules)[next(s for s, _ in rules if s.strip() == ":root")]
    for declaration in filter(None, (d.strip() for d in root.split(";"))):
        prop = declaration.split(":", 1)[0].strip()
        assert prop.startswith("--") or prop == "color-scheme", f"{name}: {declaration}"
    assert "@import" not in css
    # A theme's own font ships in its folder: a screen loads nothing from elsewhere.
    for url in re.findall(r"url\(\s*[\"']?([^\"')]+)", css):
        assert url.startswith(f"/themes/{name}/"), url
        assert (THEMES / name / url.removeprefix(f"/themes/{name}/")).is_file(), url


@pytest.mark.parametrize("name", SHIPPED)
def test_a_theme_sets_every_property_the_wall_reads(name):
    props = set(PROPERTY.findall(root_block((THEMES / name / "theme.css").read_text())))
    missing = wall_properties() - props - {"--chroma-green"}
    assert not missing, f"{name} leaves {sorted(missing)} to the previous theme"


@pytest.mark.parametrize("name", SHIPPED)
def test_a_theme_toml_names_it_and_its_logo_exists(name):
    meta = tomllib.loads((THEMES / name / "theme.toml").read_text())
    assert meta["name"] == name
    assert meta["label"] and meta["description"]
    assert isinstance(meta.get("fonts", []), list)
    if "logo" in meta:
        logo = THEMES / name / meta["logo"]
        assert logo.is_file() and logo.parent == THEMES / name
        assert "<script" not in logo.read_text().lower()


def test_the_institution_sample_has_a_logo_and_the_api_lists_it():
    info = {t.name: t for t in list_themes()}["univ-sample"]
    assert info.logo == "/themes/univ-sample/logo.svg"


def test_fonts_ship_with_murmur_and_their_licence_beside_them():
    fonts = ROOT / "wall" / "static" / "fonts"
    faces = re.findall(r'url\("([^"]+)"\)', (fonts / "fonts.css").read_text())
    assert faces
    for url in faces:
        assert url.startswith("/static/fonts/"), url
        assert (ROOT / "wall" / url.lstrip("/")).is_file(), url
    assert "SIL Open Font License" in (fonts / "inter" / "OFL.txt").read_text()
