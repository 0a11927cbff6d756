"""programmes: a batch of claims waits on another batch's claims for 50 ms at most (PostgreSQL).

Two batches of ``prog_claim_batch`` running at once can each hold a claim the other needs to
see settled: batch A has inserted the identity slot of a phone that a claim of batch B also
names, and B one that a later claim of A names. Each waits for the other to commit; PostgreSQL
finds the cycle only after ``deadlock_timeout`` (1 s by default, a server-wide setting an
application may not lower), and every claim of both batches, with the claims queued behind
them, waits that second. In the claims burst (a retry from another account sharing a phone
in every seven claims) that happened a few times a minute and made most of the slowest
percent of answers.

Now the batch first locks its budget row, waiting as long as it takes (it holds nothing
yet, so that wait can be part of no cycle); then waits on another transaction's rows at most
``LOCK_TIMEOUT`` for the rest of the batch. A claim that waits longer is rolled back alone,
answered ``retry`` like a deadlock's victim, and the API queues it again for its next batch,
by when the other batch has committed (its claim then is ``taken``) or rolled back.

Revision ID: prog_0010
Revises: prog_0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic import op

revision = "prog_0010"
down_revision = "prog_0009"
branch_labels = None
depends_on = None

LOCK_TIMEOUT = "50ms"


def _revision(name: str) -> ModuleType:
    """A revision's module, read from its file (Alembic loads revisions by path)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _keyed_function() -> str:
    return str(_revision("prog_0004_keyed_ledger")._keyed_function())


def bounded_function() -> str:
    """prog_0004's function, locking its budget row first and bounding every later wait."""
    text = _keyed_function()
    start = "BEGIN\n    FOR i IN 1..n LOOP\n"
    assert start in text
    text = text.replace(
        start,
        "BEGIN\n"
        "    PERFORM 1 FROM prog_chains WHERE chain_id = p_chain FOR UPDATE;\n"
        f"    PERFORM set_config('lock_timeout', '{LOCK_TIMEOUT}', true);\n"
        "    FOR i IN 1..n LOOP\n",
    )
    victim = "WHEN deadlock_detected THEN outcome[i] := 'retry';"
    assert victim in text
    return text.replace(
        victim, "WHEN deadlock_detected OR lock_not_available THEN outcome[i] := 'retry';"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(bounded_function())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_keyed_function())
