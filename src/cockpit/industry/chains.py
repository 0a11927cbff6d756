"""Industry chains as data: chain → segment → node, from ``data/chains/*.yaml``.

A file that does not fit is refused with the line and field (``DataFileError``).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cockpit.datafiles import load_model

ID = r"^[a-z0-9_]+$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    document: str
    clause: str


class Coverage(Strict):
    """When a node counts as strong, and which firm sizes alone leave it a gap."""

    strong_min_firms: int = Field(default=3, ge=1)
    small_sizes: list[str] = Field(default_factory=lambda: ["small", "micro"])


class Node(Strict):
    id: str = Field(pattern=ID)
    name_zh: str
    name_en: str


class Segment(Strict):
    id: str = Field(pattern=ID)
    name_zh: str
    name_en: str
    nodes: list[Node] = Field(min_length=1)


class Chain(Strict):
    id: str = Field(pattern=ID)
    name_zh: str
    name_en: str
    source: Source
    coverage: Coverage = Coverage()
    segments: list[Segment] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_unique(self) -> Chain:
        seen: set[str] = set()
        for node_id in [s.id for s in self.segments] + [
            n.id for s in self.segments for n in s.nodes
        ]:
            if node_id in seen:
                raise ValueError(f"segment and node ids must be unique in a chain: {node_id!r}")
            seen.add(node_id)
        return self

    def nodes(self) -> dict[str, tuple[Segment, Node]]:
        """Every node by id, with its segment."""
        return {n.id: (s, n) for s in self.segments for n in s.nodes}


def load_chain(path: Path) -> Chain:
    """One chain file, validated (errors name the line and field)."""
    return load_model(path, Chain)


@cache
def all_chains() -> dict[str, Chain]:
    """The chains shipped with the room, by id."""
    folder = resources.files("cockpit.industry").joinpath("data/chains")
    out: dict[str, Chain] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            chain = load_chain(Path(str(entry)))
            out[chain.id] = chain
    return out


def get_chain(chain_id: str) -> Chain:
    """The chain ``chain_id``, or ``NotFound``."""
    from cockpit.industry.vocab import NotFound

    try:
        return all_chains()[chain_id]
    except KeyError:
        raise NotFound(f"no chain {chain_id!r}; chains: {', '.join(all_chains())}") from None
