"""Forge: the activity ledger, wearable recordings, calories, load and readiness."""
