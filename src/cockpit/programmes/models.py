"""Storage of the programmes room (tables ``prog_*``); the API has its own schemas.

Money is integer fen; times are ISO-8601 UTC strings (``2025-05-01T02:00:00.000000Z``), which
sort, compare and hash the same on SQLite and PostgreSQL — except the ledger's value time,
ISO-8601 in Asia/Shanghai (``2025-05-01T10:00:00.000000+08:00``, a fixed offset: it sorts
too). People appear only as HMAC
pseudonyms.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cockpit.db import Base

Pseudonym = String(64)

# Steps of a subsidy application or an appeal that the ledger books without moving money
# (amount 0): submitted, refused by a rule, rejected by an officer, proposed (four eyes),
# reopened on appeal, appeal lodged, appeal decided. Money entries stay strictly positive.
STEP_OPS = ("submit", "refuse", "reject", "propose", "reopen", "lodge", "decide")
STEP_CHECK = "amount_fen > 0 OR (amount_fen = 0 AND op IN ({}))".format(
    ", ".join(f"'{op}'" for op in STEP_OPS)
)


class ProgrammeRow(Base):
    """An installed programme: its validated rules as JSON and their hash."""

    __tablename__ = "prog_programmes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    rules_json: Mapped[str] = mapped_column(Text)
    rules_sha256: Mapped[str] = mapped_column(String(64))
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    installed_at: Mapped[str] = mapped_column(String(32))


class RoundRow(Base):
    """A voucher round: its released budget split over ``parts`` budget rows (chains)."""

    __tablename__ = "prog_rounds"
    __table_args__ = (UniqueConstraint("programme_id", "no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("prog_programmes.id"))
    no: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[str] = mapped_column(String(32))
    closes_at: Mapped[str] = mapped_column(String(32))
    pack_value_fen: Mapped[int] = mapped_column(BigInteger)
    packs_total: Mapped[int] = mapped_column(Integer)
    parts: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # open, closed
    seed_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seed: Mapped[str | None] = mapped_column(String(128), nullable=True)
    drawn_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ChainRow(Base):
    """The head of one hash chain of the ledger; budget chains also hold the balance.

    A claim takes one pack from one budget row with a single conditional UPDATE
    (``balance_fen >= pack``), which also advances the chain: so the budget can never be
    overdrawn and the chain never forks, whatever the concurrency.
    """

    __tablename__ = "prog_chains"
    __table_args__ = (CheckConstraint("balance_fen IS NULL OR balance_fen >= 0", name="balance"),)
    chain_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("prog_programmes.id"))
    account: Mapped[str | None] = mapped_column(String(80), nullable=True)
    balance_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    # The hash before the head's, so one UPDATE can advance the chain and report both.
    prev_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)


class LedgerRow(Base):
    """One double-entry movement (debit account → credit account), chained by hash.

    ``at`` is the booking time (when the row was written), ``value_at`` the value time (when
    the money moved: the operation's own time), see ``cockpit.programmes.ledger``.
    """

    __tablename__ = "prog_ledger"
    __table_args__ = (
        UniqueConstraint("chain_id", "seq"),
        # Money moves in positive amounts; a step (``ledger.STEP_OPS``) moves none.
        CheckConstraint(STEP_CHECK, name="amount"),
    )
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    chain_id: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[str] = mapped_column(String(32))
    value_at: Mapped[str] = mapped_column(String(32))
    op: Mapped[str] = mapped_column(String(16))
    debit: Mapped[str] = mapped_column(String(80))
    credit: Mapped[str] = mapped_column(String(80))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    programme_id: Mapped[int] = mapped_column(Integer)
    voucher_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    ref: Mapped[str] = mapped_column(String(80))
    # SHA-256 of the record the entry was booked for (``ledger.record_doc``), when there is one.
    doc: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ClaimRow(Base):
    """One granted pack."""

    __tablename__ = "prog_claims"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    idem_key: Mapped[str] = mapped_column(String(80), unique=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    programme_id: Mapped[int] = mapped_column(Integer)
    round_id: Mapped[int] = mapped_column(Integer, index=True)
    person: Mapped[str] = mapped_column(Pseudonym, index=True)
    account: Mapped[str | None] = mapped_column(Pseudonym, nullable=True)
    phone: Mapped[str | None] = mapped_column(Pseudonym, nullable=True)
    card: Mapped[str | None] = mapped_column(Pseudonym, nullable=True)
    device: Mapped[str | None] = mapped_column(Pseudonym, nullable=True)
    at: Mapped[str] = mapped_column(String(32))


class IdentitySlotRow(Base):
    """Slot ``n`` of one identifier in one scope: the primary key makes limits hold."""

    __tablename__ = "prog_identity_slots"
    scope: Mapped[str] = mapped_column(String(24), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[str] = mapped_column(Pseudonym, primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(40))


class VoucherRow(Base):
    """One voucher of a pack: face value usable once on a bill of at least the threshold."""

    __tablename__ = "prog_vouchers"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    claim_id: Mapped[str] = mapped_column(String(40), index=True)
    programme_id: Mapped[int] = mapped_column(Integer)
    round_id: Mapped[int] = mapped_column(Integer)
    holder: Mapped[str] = mapped_column(Pseudonym)  # not indexed: prog_0011
    face_fen: Mapped[int] = mapped_column(BigInteger)
    threshold_fen: Mapped[int] = mapped_column(BigInteger)
    valid_until: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12))  # active, redeemed, expired
    __table_args__ = (
        Index("ix_prog_vouchers_status_valid", "status", "valid_until"),
        Index("ix_prog_vouchers_programme_status", "programme_id", "status"),
    )


class MerchantRow(Base):
    """A merchant enrolled in a programme, with what scope checks need."""

    __tablename__ = "prog_merchants"
    programme_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(8))
    district_code: Mapped[str] = mapped_column(String(6))


class RedemptionRow(Base):
    """A voucher spent in a payment: the voucher pays first, the payer the rest."""

    __tablename__ = "prog_redemptions"
    __table_args__ = (
        UniqueConstraint("merchant_id", "txn_id"),
        Index("ix_prog_redemptions_programme_id", "programme_id"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    idem_key: Mapped[str] = mapped_column(String(80), unique=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    programme_id: Mapped[int] = mapped_column(Integer)
    voucher_id: Mapped[str] = mapped_column(String(40), unique=True)
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    txn_id: Mapped[str] = mapped_column(String(80))
    payer: Mapped[str] = mapped_column(Pseudonym, index=True)
    card: Mapped[str | None] = mapped_column(Pseudonym, nullable=True)
    device: Mapped[str | None] = mapped_column(Pseudonym, nullable=True)
    bill_fen: Mapped[int] = mapped_column(BigInteger)
    voucher_fen: Mapped[int] = mapped_column(BigInteger)
    own_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_own_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_voucher_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    at: Mapped[str] = mapped_column(String(32))


class RequestRow(Base):
    """The first answer to each idempotency key, returned again to retries."""

    __tablename__ = "prog_requests"
    idem_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    op: Mapped[str] = mapped_column(String(16))
    request_sha256: Mapped[str] = mapped_column(String(64))
    response_json: Mapped[str] = mapped_column(Text)
    at: Mapped[str] = mapped_column(String(32))


class RegistrationRow(Base):
    """One registration for a lottery round (one per person)."""

    __tablename__ = "prog_registrations"
    __table_args__ = (UniqueConstraint("round_id", "person"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(Integer, index=True)
    person: Mapped[str] = mapped_column(Pseudonym)
    phone: Mapped[str | None] = mapped_column(Pseudonym, nullable=True)
    card: Mapped[str | None] = mapped_column(Pseudonym, nullable=True)
    device: Mapped[str | None] = mapped_column(Pseudonym, nullable=True)
    at: Mapped[str] = mapped_column(String(32))
    won: Mapped[bool | None] = mapped_column(nullable=True)


class ApplicationRow(Base):
    """A subsidy application: apply → review → approve or reject → disburse."""

    __tablename__ = "prog_applications"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    programme_id: Mapped[int] = mapped_column(Integer, index=True)
    applicant: Mapped[str] = mapped_column(String(64))
    facts_json: Mapped[str] = mapped_column(Text)
    decision_json: Mapped[str] = mapped_column(Text)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))  # submitted, approved, rejected, disbursed
    reviewer: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    submitted_at: Mapped[str] = mapped_column(String(32))
    reviewed_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    disbursed_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class RefundRow(Base):
    """A refund of (part of) a redeemed payment: the payer's own money first."""

    __tablename__ = "prog_refunds"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    idem_key: Mapped[str] = mapped_column(String(80), unique=True)
    redemption_id: Mapped[str] = mapped_column(String(40), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    own_fen: Mapped[int] = mapped_column(BigInteger)
    voucher_fen: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(16))  # own_only, restored, clawed_back
    at: Mapped[str] = mapped_column(String(32))


class RefusalRow(Base):
    """A claim refused because the person had reached a limit (evidence for anti-fraud)."""

    __tablename__ = "prog_refusals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme_id: Mapped[int] = mapped_column(Integer, index=True)
    round_id: Mapped[int] = mapped_column(Integer)
    person: Mapped[str] = mapped_column(Pseudonym)
    account: Mapped[str | None] = mapped_column(Pseudonym, nullable=True)
    device: Mapped[str | None] = mapped_column(Pseudonym, nullable=True)
    card: Mapped[str | None] = mapped_column(Pseudonym, nullable=True)
    at: Mapped[str] = mapped_column(String(32))


class ProposalRow(Base):
    """A disbursement one officer proposed (the maker) and another checked (four eyes).

    One row per action on one subject (``approve`` of an application, ``disburse`` of it,
    ``release`` of a round, ``resolve`` of a reconciliation difference, ...): the key makes a
    second proposal of the same thing impossible.
    """

    __tablename__ = "prog_proposals"
    action: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject: Mapped[str] = mapped_column(String(80), primary_key=True)
    programme_id: Mapped[int] = mapped_column(Integer, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    maker: Mapped[str] = mapped_column(String(200))
    made_at: Mapped[str] = mapped_column(String(32))
    checker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    checked_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(12))  # proposed, done


class StatementRow(Base):
    """A payment channel's daily settlement statement, imported once (by its content)."""

    __tablename__ = "prog_statements"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # SHA-256 of the file, cut
    channel: Mapped[str] = mapped_column(String(64))
    settle_date: Mapped[str] = mapped_column(String(10), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    lines: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[str] = mapped_column(String(32))


class ReconItemRow(Base):
    """One difference between a statement and our records, in the error queue until resolved."""

    __tablename__ = "prog_recon_items"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(32), index=True)
    programme_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(24))
    merchant_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    order_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    voucher_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    ours_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    theirs_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))  # open, explained, corrected, written_off
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class AppealRow(Base):
    """An appeal against a refused claim, a claw-back or a refused application."""

    __tablename__ = "prog_appeals"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    programme_id: Mapped[int] = mapped_column(Integer, index=True)
    subject_kind: Mapped[str] = mapped_column(String(24))  # refused_claim, clawback, ...
    subject_id: Mapped[str] = mapped_column(String(40))
    entry_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # ledger entry
    appellant: Mapped[str] = mapped_column(String(80))
    grounds: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(12))  # lodged, under_review, upheld, dismissed
    lodged_at: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[str] = mapped_column(String(32))
    reviewer: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    decision: Mapped[str | None] = mapped_column(Text, nullable=True)
    effect: Mapped[str | None] = mapped_column(Text, nullable=True)
