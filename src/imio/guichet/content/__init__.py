"""Content types of the guichet."""
