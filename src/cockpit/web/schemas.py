"""Response models shared by the routes: a list as ``{data, count}``, a chart's answer.

Routes whose answers have a room's own model use it; these cover the generic shapes, so that
every JSON route declares what it returns (and the OpenAPI, and Schemathesis, know it).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Page(BaseModel):
    """A list: its items and how many there are."""

    data: list[dict[str, Any]]
    count: int = Field(ge=0)


class Answer(BaseModel):
    """A JSON object whose fields the route's documentation describes."""

    model_config = ConfigDict(extra="allow")


class Chart(BaseModel):
    """What a chart reads: ``available`` false with the command to run, or its data."""

    model_config = ConfigDict(extra="allow")

    available: bool
    hint: str | None = Field(None, description="The command that builds what is missing")


class Periods(Page):
    """Months with built indicators, oldest first."""

    available: bool
    hint: str
    data: list[str]  # type: ignore[assignment]
