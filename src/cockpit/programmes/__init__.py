"""Incentive programmes: vouchers and subsidies, claims, the tamper-evident ledger, anti-fraud and evaluation."""
