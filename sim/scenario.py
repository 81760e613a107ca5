"""Loading scenario files: safe YAML, composition (extends, overrides), plain errors.

A world file names its districts by file (``districts: {luohu: districts/luohu.yaml}``);
a variant ``extends:`` another world file and sets ``overrides:`` by dotted path. Loading
never runs code from a file: YAML is read with a safe loader that also refuses anchors
and aliases (no alias bombs), and files over :data:`MAX_FILE_BYTES` are refused.

Every problem becomes one line ``file: key.path: what is wrong (what is allowed)``;
all problems are collected and raised together as :class:`ScenarioError`.

Examples:
    >>> import sim
    >>> world = sim.load_scenario("scenarios/baseline.yaml", overrides={"population.agents": 5000})
    >>> world.population.agents
    5000
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Mapping, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from sim.schema import SOURCE_KINDS, World, parse_source

MAX_FILE_BYTES = 1_000_000
MAX_EXTENDS_DEPTH = 16
#: Mappings whose keys a variant may add to (a new lever, a new reference).
OPEN_MAPPINGS = ("levers", "references")


class ScenarioError(ValueError):
    """One or more problems in scenario files, each ``file: key.path: message``."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ---------------------------------------------------------------------------- YAML
class _NoAliasLoader(yaml.SafeLoader):
    """Safe loader that refuses anchors and aliases, so a file cannot expand itself."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D401
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.YAMLError(
                f"line {event.start_mark.line + 1}: aliases (*name) are not allowed in scenario files"
            )
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise yaml.YAMLError(
                f"line {event.start_mark.line + 1}: anchors (&name) are not allowed in scenario files"
            )
        return super().compose_node(parent, index)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read one YAML mapping safely, or raise :class:`ScenarioError` naming the file."""
    if not path.exists():
        raise ScenarioError([f"{path}: no such file"])
    if path.is_dir():
        raise ScenarioError([f"{path}: is a folder, not a scenario file"])
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError([f"{path}: file is {size:,} bytes (at most {MAX_FILE_BYTES:,} allowed)"])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([f"{path}: not UTF-8 text"]) from None
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        msg = " ".join(str(exc).split())
        raise ScenarioError([f"{path}: not valid scenario YAML: {msg}"]) from None
    if data is None:
        raise ScenarioError([f"{path}: file is empty (expected a mapping of settings)"])
    if not isinstance(data, dict):
        raise ScenarioError([f"{path}: expected a mapping of settings at the top, got {type(data).__name__}"])
    return data


# ---------------------------------------------------------------------------- composition
class _Composer:
    """Resolves extends, district files and overrides; remembers which file set what."""

    def __init__(self) -> None:
        self.origin: dict[tuple[str, ...], Path] = {}  # key-path prefix -> file that set it
        self.files: list[Path] = []
        #: bad override paths: reported together with what validation finds in the rest
        self.problems: list[str] = []

    def resolve(self, path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
        path = path.resolve()
        if path in chain:
            cycle = " -> ".join(p.name for p in (*chain, path))
            raise ScenarioError([f"{chain[-1]}: extends: cycle {cycle}"])
        if len(chain) >= MAX_EXTENDS_DEPTH:
            raise ScenarioError([f"{path}: extends: chain deeper than {MAX_EXTENDS_DEPTH} files"])
        raw = read_yaml(path)
        self.files.append(path)
        parent = raw.pop("extends", None)
        overrides = raw.pop("overrides", None)
        if parent is not None:
            if not isinstance(parent, str):
                raise ScenarioError([f"{path}: extends: expected a file name, got {type(parent).__name__}"])
            parent_path = (path.parent / parent)
            if not parent_path.exists():
                raise ScenarioError([f"{path}: extends: parent file {parent} not found (looked at {parent_path})"])
            base = self.resolve(parent_path, (*chain, path))
            _merge_top(base, raw)
            self._mark(raw, (), path)
            raw = base
        else:
            raw = self._load_districts(raw, path)
            self._mark(raw, (), path)
        if overrides is not None:
            if not isinstance(overrides, dict):
                raise ScenarioError([f"{path}: overrides: expected a mapping of dotted.path: value"])
            try:
                apply_overrides(raw, overrides, source_file=path, origin=self.origin)
            except ScenarioError as exc:  # the good overrides are applied; go on to find more
                self.problems.extend(exc.problems)
        return raw

    def _load_districts(self, raw: dict[str, Any], path: Path) -> dict[str, Any]:
        districts = raw.get("districts")
        if not isinstance(districts, dict):
            return raw
        problems: list[str] = []
        for name, ref in list(districts.items()):
            if isinstance(ref, str):
                dpath = (path.parent / ref).resolve()
                try:
                    districts[name] = read_yaml(dpath)
                    self.files.append(dpath)
                    self.origin[("districts", str(name))] = dpath
                except ScenarioError as exc:
                    problems.extend(f"{path}: districts.{name}: {p}" for p in exc.problems)
        if problems:
            raise ScenarioError(problems)
        return raw

    def _mark(self, raw: dict[str, Any], prefix: tuple[str, ...], path: Path) -> None:
        for key in raw:
            full = (*prefix, str(key))
            if full == ("districts",):
                for d in raw["districts"] or {}:
                    self.origin.setdefault(("districts", str(d)), path)
                continue
            self.origin.setdefault(full, path)


def _merge_top(base: dict[str, Any], child: dict[str, Any]) -> None:
    """A child file's top-level keys replace its parent's (``name``, ``description``...)."""
    for key, value in child.items():
        base[key] = value


def apply_overrides(
    raw: dict[str, Any],
    overrides: Mapping[str, Any],
    *,
    source_file: Path | str,
    origin: dict[tuple[str, ...], Path] | None = None,
) -> None:
    """Set dotted paths in ``raw`` in place; a bare number on a quantity keeps the quantity.

    A path must exist, except a new key directly under ``levers`` or ``references``.
    Setting a quantity to a bare number records ``assumption: set by <file>`` as source
    and drops the quantity's sensitivity ``range`` (it described the old value); give
    ``{value, source, range}`` to keep one.
    """
    problems: list[str] = []
    for dotted, value in overrides.items():
        if not isinstance(dotted, str) or not dotted:
            problems.append(f"{source_file}: overrides: key {dotted!r} is not a dotted path")
            continue
        keys = dotted.split(".")
        node: Any = raw
        ok = True
        for i, key in enumerate(keys[:-1]):
            if isinstance(node, dict) and key in node:
                node = node[key]
            else:
                where = ".".join(keys[: i + 1])
                allowed = sorted(map(str, node)) if isinstance(node, dict) else []
                problems.append(
                    f"{source_file}: overrides.{dotted}: no such path ({where} does not exist"
                    + (f"; allowed here: {', '.join(allowed)})" if allowed else ")")
                )
                ok = False
                break
        if not ok:
            continue
        last = keys[-1]
        if not isinstance(node, dict):
            problems.append(f"{source_file}: overrides.{dotted}: {'.'.join(keys[:-1])} is not a mapping")
            continue
        optional = _schema_keys(keys[:-1])
        if last not in node and (len(keys) < 2 or keys[-2] not in OPEN_MAPPINGS) and last not in optional:
            allowed = ", ".join(sorted(set(map(str, node)) | optional))
            problems.append(f"{source_file}: overrides.{dotted}: no such path (allowed here: {allowed})")
            continue
        old = node.get(last)
        value = copy.deepcopy(value)
        if (
            isinstance(old, dict)
            and "value" in old
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
        ):
            # the range and source belonged to the old value; a bare number is a choice
            new = {k: v for k, v in old.items() if k != "range"}
            new["value"] = value
            new["source"] = f"assumption: set by {Path(str(source_file)).name} overrides"
            node[last] = new
        else:
            node[last] = value
        if origin is not None:
            origin[tuple(keys)] = Path(str(source_file))
    if problems:
        raise ScenarioError(problems)


def _schema_keys(keys: list[str]) -> set[str]:
    """Field names the schema allows at dotted path ``keys`` (empty if not a model there).

    Lets an override set an optional key a file left out (``levers.x.period``, ``units``).
    """
    node: Any = World
    for key in keys:
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(key)
            if field is None:
                return set()
            node = field.annotation
        elif get_origin(node) is dict:
            node = get_args(node)[1]
        else:
            return set()
        while get_origin(node) in (Union, UnionType, Annotated):  # X | None, Annotated[X, ...]
            node = next(a for a in get_args(node) if a is not type(None))
    if isinstance(node, type) and issubclass(node, BaseModel):
        return set(node.model_fields)
    return set()


# ---------------------------------------------------------------------------- validation
_PATH_MSG = re.compile(r"^(?P<path>[A-Za-z_][\w\-]*(?:\.[\w\-]+)*): (?P<msg>.+)$", re.DOTALL)


def locate(
    loc: tuple[str, ...], origin: Mapping[tuple[str, ...], Path], default: Path
) -> tuple[Path, tuple[str, ...]]:
    """The file that set key path ``loc``, and the path relative to that file's top."""
    file, rel, best = default, loc, -1
    for prefix, path in origin.items():
        if len(prefix) > best and loc[: len(prefix)] == prefix:
            best, file = len(prefix), path
    # a check on a whole mapping (shares summing to 1) fails because of what an override
    # set inside it: name that file
    inside = [path for prefix, path in origin.items() if len(prefix) > len(loc) and prefix[: len(loc)] == loc]
    if inside and inside[-1] != file:
        return inside[-1], loc
    if file != default and loc[:1] == ("districts",) and len(loc) >= 2 and origin.get(loc[:2]) == file:
        rel = loc[2:]  # inside a district file, paths start at its top
    return file, rel


def _split_message(loc: tuple[str, ...], msg: str) -> list[tuple[tuple[str, ...], str]]:
    """A model-level check reports ``a.b: what; c.d: what``: give each its own key path."""
    parts = msg.split("; ")
    out = []
    for part in parts:
        m = _PATH_MSG.match(part)
        if m and "." in m["path"] or (m and len(parts) > 1):
            out.append(((*loc, *m["path"].split(".")), m["msg"]))
        else:
            out.append((loc, part))
    return out


def _format_validation(exc: ValidationError, origin: Mapping[tuple[str, ...], Path], default: Path) -> list[str]:
    problems = []
    for err in exc.errors():
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        allowed = _allowed(err)
        loc = tuple(str(p) for p in err["loc"])
        if loc[-1:] == ("[key]",):  # a misspelled key of a mapping with fixed names (levers)
            loc = loc[:-1]
            expected = re.findall(r"'([^']+)'", msg)
            close = difflib.get_close_matches(loc[-1], expected, n=1) if loc else []
            msg = f"unknown name {loc[-1]!r}" + (f", did you mean {close[0]!r}?" if close else "") + f" ({msg})"
        for loc, part in _split_message(loc, msg):
            file, rel = locate(loc, origin, default)
            text = f"{file}: {'.'.join(rel) or '(top)'}: {part}"
            if allowed and allowed not in text:
                text += f" ({allowed})"
            problems.append(text)
    return problems


def _allowed(err: Mapping[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key; see scenarios/README.md for the keys allowed here"
    if kind == "literal_error":
        return ""  # the message already lists what is allowed
    if kind == "missing":
        return "required"
    return ""


def validate(raw: dict[str, Any], *, origin: Mapping[tuple[str, ...], Path] | None = None, file: Path | str = "<scenario>") -> World:
    """Validate a composed mapping into a :class:`World` or raise :class:`ScenarioError`."""
    try:
        world = World.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_format_validation(exc, origin or {}, Path(str(file)))) from None
    problems = [
        f"{f}: {'.'.join(rel)}: {msg}"
        for loc, msg in unknown_references(world)
        for f, rel in [locate(loc, origin or {}, Path(str(file)))]
    ]
    if problems:
        raise ScenarioError(problems)
    return world


def unknown_references(world: World) -> list[tuple[tuple[str, ...], str]]:
    """Sources citing a reference key that neither the district's nor the world's table has."""
    from sim.provenance import walk  # provenance imports this module's World only via schema

    out = []
    for item in walk(world):
        if item.source is None:
            continue
        ref, _ = parse_source(item.source)
        if ref in SOURCE_KINDS:
            continue
        allowed = set(world.references)
        if item.path[:1] == ("districts",):
            allowed |= set(world.districts[item.path[1]].references)
        if ref not in allowed:
            out.append(
                (
                    (*item.path, "source"),
                    f"cites {ref!r}, which is not in references: (allowed: {', '.join(sorted(allowed)) or 'none'}; "
                    "or assumption: / fitted:)",
                )
            )
    return out


def compose(path: str | Path, overrides: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], _Composer]:
    """Resolve a scenario file into one mapping (extends, districts, overrides)."""
    composer = _Composer()
    raw = composer.resolve(Path(path))
    if overrides:
        try:
            apply_overrides(raw, overrides, source_file="overrides given by the caller", origin=composer.origin)
        except ScenarioError as exc:
            composer.problems.extend(exc.problems)
    return raw, composer


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> World:
    """Load, compose and validate a scenario file.

    Args:
        path: a world file (``scenarios/baseline.yaml``) or a variant.
        overrides: dotted paths to set after the file's own overrides,
            e.g. ``{"population.agents": 20_000}``.

    Returns:
        The immutable, validated :class:`~sim.schema.World`.

    Raises:
        ScenarioError: every problem found, one line each.
    """
    raw, composer = compose(path, overrides)
    try:
        world = validate(raw, origin=composer.origin, file=Path(path))
    except ScenarioError as exc:  # every problem at once: bad paths and bad values
        raise ScenarioError([*composer.problems, *exc.problems]) from None
    if composer.problems:
        raise ScenarioError(composer.problems)
    return world


def scenario_hash(world: World) -> str:
    """A short content hash of a resolved scenario, for manifests and caches."""
    blob = json.dumps(world.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def with_overrides(world: World, overrides: Mapping[str, Any], *, source: str = "overrides given by the caller") -> World:
    """Return a copy of ``world`` with dotted-path overrides applied and validated again."""
    raw = world.model_dump(mode="python")
    apply_overrides(raw, overrides, source_file=source)
    return validate(raw, file=source)
