"""programmes: a batch of claims takes a free budget row and waits on others 50 ms at most.

Two batches of ``prog_claim_batch`` running at once can each hold a claim the other needs to
see settled: batch A has inserted the identity slot of a phone that a claim of batch B also
names, and B one that a later claim of A names. Each waits for the other to commit; PostgreSQL
finds the cycle only after ``deadlock_timeout`` (1 s by default, a server-wide setting an
application may not lower), and every claim of both batches, with the claims queued behind
them, waits that second. In the claims burst (a retry from another account sharing a phone
in every seven claims) that happened a few times a minute and made most of the slowest
percent of answers.

Batches also queued on budget rows: the API picks a row of the round at random, and with
eight batches in flight on sixteen rows a third of them waited for another batch's whole
transaction on theirs (half of all lock waits over 5 ms in the burst, counted with
``log_lock_waits``).

Now the batch first takes its budget row: the one asked for if no other batch holds it, else
another of the round that still holds a pack and is free (``SKIP LOCKED``), else the one
asked for, waiting as long as it takes (it holds nothing yet, so that wait can be part of no
cycle). Then it waits on another transaction's rows at most ``LOCK_TIMEOUT`` for the rest of
the batch. A claim that waits longer is rolled back alone,
answered ``retry`` like a deadlock's victim, and the API queues it again for its next batch,
by when the other batch has committed (its claim then is ``taken``) or rolled back. The
answer is still one word per claim, followed now by the budget row the batch used (the API
marks that row's part exhausted when the answer is ``empty``).

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
# The batch's budget row: the one the caller asked for if it is free, else any other row of
# the round (``r<round>.<part>``) that still holds a pack and that no other batch holds, else
# the caller's, waited for.
TAKE_ROW = f"""\
    SELECT chain_id INTO v_chain FROM prog_chains
    WHERE chain_id LIKE split_part(p_chain, '.', 1) || '.%' AND balance_fen >= p_amount
    ORDER BY chain_id = p_chain DESC LIMIT 1
    FOR UPDATE SKIP LOCKED;
    IF v_chain IS NULL THEN
        v_chain := p_chain;
        PERFORM 1 FROM prog_chains WHERE chain_id = v_chain FOR UPDATE;
    END IF;
    PERFORM set_config('lock_timeout', '{LOCK_TIMEOUT}', true);
"""


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
    """prog_0004's function, on a free budget row of the round, with every later wait bounded."""
    text = _keyed_function()
    for old, new in (
        ("WHERE chain_id = p_chain AND", "WHERE chain_id = v_chain AND"),
        ("VALUES (p_chain, r.seq,", "VALUES (v_chain, r.seq,"),
        ("    r record;\n", "    r record;\n    v_chain text;\n"),
        ("BEGIN\n    FOR i IN 1..n LOOP\n", f"BEGIN\n{TAKE_ROW}    FOR i IN 1..n LOOP\n"),
        (
            "WHEN deadlock_detected THEN outcome[i] := 'retry';",
            "WHEN deadlock_detected OR lock_not_available THEN outcome[i] := 'retry';",
        ),
        ("    RETURN outcome;\n", "    RETURN outcome || v_chain;\n"),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(bounded_function())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_keyed_function())
