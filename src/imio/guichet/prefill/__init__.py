"""Prefill form fields from the citizen's profile or an authentic source."""
