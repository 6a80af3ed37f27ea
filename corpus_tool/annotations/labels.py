"""Label schemes: the labels a person may put on a provision, loaded from TOML."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from corpus_tool.errors import StoreError
from corpus_tool.workspace import Workspace

SCHEME_FILE = "labels.toml"
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Links (cross-references, citations in the exports) are drawn in ink with an
# underline, so that no label colour can be taken for a link.
LINK_COLOUR = "#1d1d1f"
# A label no scheme colours (a machine tag label from a newer tagger, an old
# scheme's label) still gets one fixed colour of its own, picked by its name from
# these, none of which is a default label's colour or close to the ink of links.
SPARE_COLOURS = ("#4e342e", "#283593", "#558b2f", "#d84315", "#5d4037", "#00695c", "#4527a0")


@dataclass(frozen=True, slots=True)
class Label:
    """One label of a scheme, with the key that applies it in the UI."""

    name: str
    key: str
    colour: str
    description: str = ""


@dataclass(frozen=True)
class LabelScheme:
    """An ordered set of labels; the order is the order of the TOML file."""

    labels: tuple[Label, ...]
    source: str = ""  # the file it came from ("" for the packaged default)
    # Colours of labels a person does not key in (the machine tags' labels): the
    # [colours] table of labels.toml, name -> #rrggbb.
    colours: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    def get(self, name: str) -> Label | None:
        for label in self.labels:
            if label.name == name:
                return label
        return None

    def by_key(self, key: str) -> Label | None:
        for label in self.labels:
            if label.key == key:
                return label
        return None

    def colour(self, name: str, default: str = "#9e9e9e") -> str:
        label = self.get(name)
        return label.colour if label else default

    def validate(self, names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """The labels, de-duplicated, or a clear error naming the unknown one and the known ones."""
        out: list[str] = []
        for name in names:
            if self.get(name) is None:
                known = ", ".join(self.names)
                where = f" ({self.source})" if self.source else ""
                raise StoreError(f"unknown label {name!r}; the label scheme{where} has: {known}")
            if name not in out:
                out.append(name)
        return tuple(out)

    def order(self, names: set[str] | tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """Labels in scheme order, unknown ones (from an older scheme) last, alphabetically."""
        rank = {n: i for i, n in enumerate(self.names)}
        return tuple(sorted(set(names), key=lambda n: (rank.get(n, len(rank)), n)))

    def to_toml(self) -> str:
        lines = ["# Label scheme written by corpus-tool (name, key, colour, description)", ""]
        for label in self.labels:
            lines.append(f"[labels.{_toml_key(label.name)}]")
            lines.append(f"key = {_toml_str(label.key)}")
            lines.append(f"colour = {_toml_str(label.colour)}")
            lines.append(f"description = {_toml_str(label.description)}")
            lines.append("")
        if self.colours:
            lines.append("[colours]")
            lines.extend(f"{_toml_key(name)} = {_toml_str(c)}" for name, c in self.colours)
            lines.append("")
        return "\n".join(lines)


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _toml_str(name)


def parse_scheme(text: str, source: str = "") -> LabelScheme:
    """A scheme from TOML text; a clear error naming ``source`` when it is malformed."""
    where = source or "label scheme"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StoreError(f"{where}: not valid TOML ({exc})") from exc
    table = data.get("labels")
    if not isinstance(table, dict) or not table:
        raise StoreError(f"{where}: needs a [labels.NAME] table for each label")
    labels: list[Label] = []
    keys: dict[str, str] = {}
    for name, spec in table.items():
        if not isinstance(spec, dict):
            raise StoreError(f"{where}: label {name!r} must be a table with key and colour")
        key = str(spec.get("key", ""))
        colour = str(spec.get("colour", spec.get("color", "#9e9e9e")))
        if len(key) != 1:
            raise StoreError(f"{where}: label {name!r} needs a one-character key, got {key!r}")
        if key in keys:
            raise StoreError(f"{where}: key {key!r} is used by both {keys[key]!r} and {name!r}")
        if not _HEX_COLOUR.match(colour):
            raise StoreError(f"{where}: label {name!r} has colour {colour!r}; use #rrggbb")
        keys[key] = name
        labels.append(Label(name, key, colour, str(spec.get("description", ""))))
    extra = data.get("colours", data.get("colors", {}))
    if not isinstance(extra, dict):
        raise StoreError(f'{where}: [colours] must be a table of label = "#rrggbb"')
    colours: list[tuple[str, str]] = []
    for name, colour in extra.items():
        if not isinstance(colour, str) or not _HEX_COLOUR.match(colour):
            raise StoreError(f"{where}: [colours] {name!r} = {colour!r}; use #rrggbb")
        colours.append((name, colour))
    return LabelScheme(tuple(labels), source, tuple(colours))


@lru_cache(maxsize=1)
def default_scheme() -> LabelScheme:
    text = resources.files(__package__).joinpath("default_labels.toml").read_text("utf-8")
    return parse_scheme(text, "")


def label_colour(scheme: LabelScheme, name: str) -> str:
    """The one colour of a label, wherever it is drawn (reader, review queue, HTML, DOCX).

    The scheme's colour; else its [colours] table; else the packaged scheme's (a
    workspace's own labels.toml need not repeat the machine tags' colours); else
    a fixed pick by name from ``SPARE_COLOURS`` — never by position in a list, so
    a label keeps its colour whatever else is on screen.
    """
    for source in (scheme, default_scheme()):
        label = source.get(name)
        if label is not None:
            return label.colour
        extra = dict(source.colours)
        if name in extra:
            return extra[name]
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return SPARE_COLOURS[digest[0] % len(SPARE_COLOURS)]


def scheme_path(ws: Workspace) -> Path:
    return ws.root / SCHEME_FILE


def load_label_scheme(ws: Workspace) -> LabelScheme:
    """The workspace's labels.toml when there is one, else the packaged default."""
    path = scheme_path(ws)
    if path.is_file():
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError as exc:
            raise StoreError(
                f"{path}: cannot read the label scheme (not UTF-8 at byte {exc.start});"
                " save it as UTF-8"
            ) from exc
        except OSError as exc:
            raise StoreError(f"{path}: cannot read the label scheme ({exc.strerror})") from exc
        return parse_scheme(text, str(path))
    return default_scheme()
