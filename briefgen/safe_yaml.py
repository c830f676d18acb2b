"""YAML without surprises, for configs and Markdown front matter.

PyYAML's safe loader still has two traps for a tool that reads files it did not write:

- Aliases and merge keys (``<<: *a``) let a document of under a kilobyte expand to
  gigabytes (the "billion laughs" pattern). Here the composed node graph is measured
  before anything is built, counting each alias as the size of what it stands for, and
  a document that would expand past :data:`MAX_NODES` values, or nest deeper than
  :data:`MAX_DEPTH`, is refused.
- Unquoted dates become ``datetime.date`` objects while parsing, so ``2025-02-30`` raises
  deep inside the parser. Here timestamps stay strings, and whoever reads the value
  (pydantic for configs, the date parser for articles) says clearly what is wrong.
"""

from __future__ import annotations

from typing import Any

import yaml

#: The most values (scalars, sequences and mappings, aliases counted in full) a document may hold.
MAX_NODES = 100_000
#: The deepest nesting a document may have.
MAX_DEPTH = 100

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class YAMLTooLarge(ValueError):
    """A document that would expand past the limits, or refers to itself."""


class _Loader(yaml.SafeLoader):
    """The safe loader with timestamps left as strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)  # a timestamp is a scalar
    return str(loader.construct_scalar(node))


_Loader.add_constructor(_TIMESTAMP, _timestamp_as_text)


def _check_size(root: yaml.Node) -> None:
    """Measure the expanded size of a composed document without expanding it."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise YAMLTooLarge("it refers to itself through an alias")
        if depth > MAX_DEPTH:
            raise YAMLTooLarge(f"it nests deeper than {MAX_DEPTH} levels")
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        open_nodes.discard(key)
        if total > MAX_NODES:
            raise YAMLTooLarge(f"it expands to more than {MAX_NODES:,} values (anchors and aliases used too often)")
        sizes[key] = total
        return total

    size(root, 0)


def load(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse one YAML document: its data and its composed root node (for line numbers).

    Raises ``yaml.YAMLError`` for text that is not YAML and :class:`YAMLTooLarge` for a
    document that is, but would expand too far.
    """
    loader = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
        except RecursionError:
            raise YAMLTooLarge(f"it nests deeper than {MAX_DEPTH} levels") from None
        if root is None:
            return None, None
        _check_size(root)
        return loader.construct_document(root), root
    finally:
        loader.dispose()
