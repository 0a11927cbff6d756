"""YAML files that officials edit (plans, programme rules, alert rules, taxonomies).

``load_model(path, Model)`` parses the file, validates it with a pydantic model, and on
any mistake raises ``DataFileError`` naming the file, the line and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]


@dataclass
class Problem:
    """One mistake in a data file."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        return f"line {self.line}:{field} {self.message}"


class DataFileError(ValueError):
    """A data file that cannot be used, with every problem and the line it is on."""

    def __init__(self, path: str | Path, problems: list[Problem]) -> None:
        self.path = str(path)
        self.problems = problems
        lines = "\n".join(f"  {self.path}, {p}" for p in problems)
        super().__init__(f"{self.path}: {len(problems)} problem(s)\n{lines}")

    @property
    def line(self) -> int:
        """The line of the first problem."""
        return self.problems[0].line


def _index_lines(node: yaml.Node, loc: Loc, out: dict[Loc, int]) -> None:
    out[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[(*loc, str(key.value))] = key.start_mark.line + 1
            _index_lines(value, (*loc, str(key.value)), out)
            out[(*loc, str(key.value))] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*loc, i), out)


def parse_with_lines(text: str, path: str | Path = "<text>") -> tuple[Any, dict[Loc, int]]:
    """Parse YAML text; return the data and the line of every key and item."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise DataFileError(path, [Problem(line, "", f"not valid YAML: {exc}")]) from exc
    lines: dict[Loc, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return data, lines


def line_of(lines: dict[Loc, int], loc: Loc) -> int:
    """The line of ``loc``, or of its nearest parent that has one."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def problems_from(error: ValidationError, lines: dict[Loc, int]) -> list[Problem]:
    """Turn pydantic's errors into problems with line numbers."""
    out = []
    for err in error.errors():
        loc = tuple(err["loc"])
        field = ".".join(str(part) for part in loc)
        out.append(Problem(line_of(lines, loc), field, err["msg"]))
    return out


def validate_text(text: str, model: type[M], path: str | Path = "<text>") -> M:
    """Parse and validate YAML text against ``model``."""
    data, lines = parse_with_lines(text, path)
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise DataFileError(path, problems_from(exc, lines)) from exc


def load_model(path: str | Path, model: type[M]) -> M:
    """Read ``path`` and validate it against ``model``; errors name the line and field."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(path, [Problem(1, "", "not UTF-8 text")]) from exc
    return validate_text(text, model, path)
