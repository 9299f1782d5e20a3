"""The dashboard of a service: its counters, kept up to date on filing and
on state change, and the figures read from them (see counters.py)."""
