"""Revocable API tokens for back-office machines."""
