"""Parse YAML while remembering the line each value starts on, so errors can name it."""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[int | str, ...]


class LineIndex:
    def __init__(self) -> None:
        self._lines: dict[Path, int] = {}

    def record(self, path: Path, line: int) -> None:
        self._lines[path] = line

    def line(self, path: Path) -> int | None:
        """The line of the deepest part of ``path`` that exists in the file."""
        while True:
            if path in self._lines:
                return self._lines[path]
            if not path:
                return None
            path = path[:-1]


# libyaml's C parser is ~10x faster; fall back to the pure-Python one where it is missing.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose_with_lines(text: str) -> tuple[Any, LineIndex]:
    """Return the plain data (as ``yaml.safe_load`` would) and a path -> line index."""
    index = LineIndex()
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, index
        _walk(node, (), index)
        # Build the data from the same node tree instead of parsing the text twice.
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    return data, index


def _walk(node: yaml.Node, path: Path, index: LineIndex) -> None:
    index.record(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            _walk(value_node, (*path, key), index)
            # A missing child is reported at its parent; a present key at the key's own line.
            index.record((*path, key), key_node.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _walk(child, (*path, i), index)
