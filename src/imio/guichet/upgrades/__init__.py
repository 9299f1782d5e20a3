"""Upgrade steps. Every change to a profile gets one here."""
