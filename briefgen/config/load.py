"""Reading a config: YAML, the project's defaults, and every problem at once with its path and line.

A config is read with a bounded, safe YAML loader (:mod:`~briefgen.safe_yaml`), merged over
the defaults of its project's ``briefgen.yaml`` (the nearest one above it), and validated against
the models of :mod:`~briefgen.config.defaults`. Every problem is reported in one pass, each with its
key path and YAML line and, for an unknown key, the closest valid one. Paths in a config are
relative to it; everything a run writes is anchored to the project's root, never to the shell's
working directory.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from briefgen import safe_yaml
from briefgen.config.defaults import AUDIENCES, SUMMARIZER_NAMES, Config, ProjectFile, expand_user, shown_value
from briefgen.errors import ConfigError

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails


class LoadedConfig(BaseModel):
    """A validated config with the file it came from, so relative paths resolve against it."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    config: Config
    path: Path
    lines: dict[str, int] = Field(default_factory=dict)
    """The YAML line of every key path ("sources.0" → 8), for messages about values."""
    root: Path | None = None
    """The project's root: the nearest directory at or above the config that holds ``briefgen.yaml``."""

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def project_dir(self) -> Path:
        """The project's root, else the config's own directory: what outputs, the delivery log and
        client templates are found under, whatever the working directory."""
        return self.root or self.base_dir

    @property
    def name(self) -> str:
        return self.path.stem

    def resolve(self, relative: str) -> Path:
        p = expand_user(relative)
        return p if p.is_absolute() else (self.base_dir / p)

    @classmethod
    def in_code(
        cls, config: Config, base_dir: str | os.PathLike[str] | None = None, name: str = "briefing"
    ) -> LoadedConfig:
        """A config made in code, as if read from ``<base_dir>/<name>.yaml``: relative paths resolve
        against ``base_dir`` (default: the working directory) and builds go to
        ``output/<name>/<as-of>/`` in its project's root (``base_dir`` outside a project), as
        they do for a config file. The project's defaults do not apply: the config is as made."""
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
            raise ConfigError(f"a config name must be a plain file name (letters, digits, . _ -), not {name!r}")
        base = Path(base_dir if base_dir is not None else Path.cwd()).expanduser().resolve()
        return cls(config=config, path=base / f"{name}.yaml", root=find_project_root(base))


def _node_at(node: yaml.Node | None, loc: tuple[int | str, ...]) -> yaml.Node | None:
    """Walk a composed YAML tree along a pydantic error location; stop at the deepest node found."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            if nxt is None:
                # An unknown key: point at the key itself.
                return next((k for k, _ in node.value if getattr(k, "value", None) == key), node)
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    return node


def _key_lines(node: yaml.Node | None, prefix: str = "") -> dict[str, int]:
    """Every key path of a composed YAML tree with its 1-based line."""
    out: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            out[path] = value.start_mark.line + 1
            out.update(_key_lines(value, path))
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            path = f"{prefix}.{i}" if prefix else str(i)
            out[path] = value.start_mark.line + 1
            out.update(_key_lines(value, path))
    return out


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The config model a key path leads into (list indexes skipped), or None past a plain value."""
    model: type[BaseModel] = Config
    for key in loc:
        if isinstance(key, int):
            continue
        field = next((f for n, f in model.model_fields.items() if key in (n, f.alias)), None)
        if field is None:
            return None
        found = [t for t in _types_in(field.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
        if not found:
            return None
        model = found[0]
    return model


def _types_in(annotation: object) -> list[object]:
    """The types an annotation names, through ``Optional``, ``list`` and ``Annotated``."""
    args = get_args(annotation)
    return [annotation] if not args else [t for a in args for t in _types_in(a)]


def _did_you_mean(loc: tuple[int | str, ...]) -> str:
    """An unknown key's message, with the closest valid keys of its mapping (a typo costs a look-up otherwise)."""
    import difflib

    model = _model_at(loc[:-1])
    if model is None or not isinstance(loc[-1], str):
        return "unknown key"
    keys = [f.alias or n for n, f in model.model_fields.items()]
    close = difflib.get_close_matches(loc[-1], keys, n=2, cutoff=0.6)
    return "unknown key" + (f"; did you mean {' or '.join(repr(k) for k in close)}?" if close else "")


#: An example of the one date form configs take.
_DATE_EXAMPLE = "expected a date as YYYY-MM-DD, such as 2025-02-14"


def _date_message(value: object) -> str:
    """Why ``value`` is not a date: the day that does not exist, or the form a date takes."""
    if isinstance(value, str) and (m := re.fullmatch(r"\s*(\d{4})-(\d{2})-(\d{2})\s*", value)):
        try:
            dt.date(*(int(g) for g in m.groups()))
        except ValueError as exc:
            return f"{value.strip()} is not a date: {exc}"
    return f"{_DATE_EXAMPLE}, not {shown_value(str(value), 40)}"


def format_error(err: ErrorDetails, root: yaml.Node | None) -> str:
    loc = tuple(err["loc"])
    # Drop union-branch labels that are not keys of the config.
    path = ".".join(str(p) for p in loc) or "(top level)"
    node = _node_at(root, loc)
    line = f" (line {node.start_mark.line + 1})" if node is not None else ""
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = _did_you_mean(loc)
    elif err["type"].startswith("date_"):
        msg = _date_message(err["input"])
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return f"{path}{line}: {msg}"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a config file, with every field's docstring as its description, so that
    an editor can complete and check configs before briefgen reads them."""
    schema = Config.model_json_schema(by_alias=True)
    props, defs = schema["properties"], schema["$defs"]
    # What validators accept beyond the field types: an audience by name, and names from fixed sets.
    names = {"type": "string", "enum": list(AUDIENCES)}
    audience = props["audience"]
    props["audience"] = {"description": audience["description"], "anyOf": [names, {"$ref": audience["$ref"]}]}
    defs["AudienceOverride"]["properties"]["base"]["enum"] = list(AUDIENCES)
    props["summarizer"]["enum"] = list(SUMMARIZER_NAMES)
    # A notification target may be a bare Apprise URL as well as a mapping.
    notify = defs["Delivery"]["properties"]["notify"]
    notify["items"] = {"anyOf": [{"type": "string"}, notify["items"]]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "briefgen config",
    }


#: A config larger than this is not a config.
MAX_CONFIG_BYTES = 1024 * 1024


#: The file that marks a project's root and holds the defaults its configs share.
PROJECT_FILE = "briefgen.yaml"


#: Config keys that hold paths: in the project file they are relative to the project's root.
PATH_KEYS = (
    ("templates",),
    ("output", "dir"),
    ("fetch", "cache_dir"),
    ("branding", "logo"),
    ("delivery", "log"),
    ("delivery", "email", "smtp", "ca_file"),
    ("delivery", "email", "recipients_csv"),
    ("delivery", "site", "dir"),
)


def load_project(root: Path) -> tuple[ProjectFile, yaml.Node | None]:
    """The project file of the project at ``root``, validated, and its YAML node tree; a
    ConfigError listing every problem, each with its key path and line."""
    project_file = root / PROJECT_FILE
    data, node = _read_yaml(project_file, "project file")
    try:
        return ProjectFile.model_validate(data), node
    except ValidationError as exc:
        problems = _dedupe([format_error(e, node) for e in exc.errors()])
        raise ConfigError(f"{project_file}: {len(problems)} problem(s): " + "; ".join(problems), problems) from None


def find_project_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` that holds :data:`PROJECT_FILE`."""
    here = start.absolute()
    for directory in (here, *here.parents):
        if (directory / PROJECT_FILE).is_file():
            return directory
    return None


def config_files(path: Path) -> list[Path]:
    """The configs ``path`` names: itself when it is a file; for a directory, the ``*.yaml`` and
    ``*.yml`` files in it and in its ``configs/`` (where ``briefgen init`` puts them), the project
    file aside; a ConfigError when it is neither or holds none."""
    if path.is_file():
        if path.name == PROJECT_FILE:  # the project file stands for its project
            return config_files(path.parent)
        return [path]
    if not path.is_dir():
        raise ConfigError(f"no such config file or directory: {path}")
    found = [
        p
        for folder in (path, path / "configs")
        if folder.is_dir()
        for p in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
        if p.name != PROJECT_FILE and p.is_file()
    ]
    if not found:
        raise ConfigError(f"{path} holds no config (*.yaml, in it or in its configs/)")
    return found


def _read_yaml(path: Path, what: str) -> tuple[Any, yaml.Node | None]:
    """A YAML file's data and node tree; one ConfigError naming the file for anything wrong with it."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"cannot read {what} {path}: not a regular file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"cannot read {what} {path}: larger than {MAX_CONFIG_BYTES // 1024} KiB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc}") from None
    try:
        data, root = safe_yaml.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}{where}: not valid YAML: {' '.join(str(problem).split())}") from None
    except safe_yaml.YAMLTooLarge as exc:
        raise ConfigError(f"{path}: refused: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {what} must be a mapping of keys, not {type(data).__name__}")
    return data, root


def _rebase_paths(defaults: dict[str, Any], root: Path, config_dir: Path) -> dict[str, Any]:
    """The project's defaults with their relative paths made relative to a config's directory."""

    def rebase(value: Any) -> Any:  # noqa: ANN401 - any YAML value
        if not isinstance(value, str) or not value or value.startswith(("~", "http://", "https://")):
            return value
        if Path(value).is_absolute():
            return value
        return os.path.relpath(root / value, config_dir).replace(os.sep, "/")

    out = copy.deepcopy(defaults)
    for keys in PATH_KEYS:
        node: Any = out
        for key in keys[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and keys[-1] in node:
            node[keys[-1]] = rebase(node[keys[-1]])
    if isinstance(out.get("sources"), list):
        out["sources"] = [rebase(s) for s in out["sources"]]
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: mappings merge key by key, anything else in ``over`` wins."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _defaults_node(root: yaml.Node | None) -> yaml.Node | None:
    if isinstance(root, yaml.MappingNode):
        return next((v for k, v in root.value if getattr(k, "value", None) == "defaults"), None)
    return None


def load_config(path: str | Path) -> LoadedConfig:
    """Read and validate a config file, with the defaults of its project when it is in one;
    raise ConfigError listing every problem, each with its key path and line."""
    path = Path(path)
    data, node = _read_yaml(path, "config")
    if path.name == PROJECT_FILE:
        raise ConfigError(f"{path} is the project file, not a config: build one of the project's configs")
    project = find_project_root(path.parent)
    defaults: dict[str, Any] = {}
    project_node: yaml.Node | None = None
    project_file = project / PROJECT_FILE if project else None
    if project is not None and project_file is not None:
        project_settings, project_root_node = load_project(project)
        defaults = _rebase_paths(project_settings.defaults, project, path.parent.absolute())
        project_node = _defaults_node(project_root_node)
    try:
        config = Config.model_validate(_merge(defaults, data))
    except ValidationError as exc:
        lines = _key_lines(node)
        from_project = _key_lines(project_node)
        problems = []
        for error in exc.errors():
            key = ".".join(str(p) for p in error["loc"])
            if key not in lines and (key in from_project or any(k.startswith(key + ".") for k in from_project)):
                problems.append(f"{project_file} defaults: {format_error(error, project_node)}")
            else:
                problems.append(format_error(error, node))
        problems = _dedupe(problems)
        rest = _salvage(_merge(defaults, data), exc)
        salvaged = None if rest is None else LoadedConfig(config=rest, path=path.resolve(), lines=lines, root=project)
        raise ConfigError(f"{path}: {len(problems)} problem(s): " + "; ".join(problems), problems, salvaged) from None
    return LoadedConfig(config=config, path=path.resolve(), lines=_key_lines(node), root=project)


def _salvage(data: dict[str, Any], error: ValidationError, rounds: int = 10) -> Config | None:
    """The config without the keys ``error`` names (each removed, or its nearest parent there is),
    when what is left validates: so the checks that need a config can still run on the rest."""
    data = copy.deepcopy(data)
    for _ in range(rounds):
        if not any(_remove(data, e["loc"]) for e in error.errors()):
            return None
        try:
            return Config.model_validate(data)
        except ValidationError as again:
            error = again
    return None


def _remove(data: Any, loc: tuple[int | str, ...]) -> bool:  # noqa: ANN401 - parsed YAML
    """Remove the value at ``loc`` in nested mappings and lists, or the deepest part of ``loc`` there is."""
    path: list[int | str] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:  # noqa: SIM114 - apart, each branch narrows the index type
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            break
        path.append(part)
    if not path:
        return False
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]
    return True


def _dedupe(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)
