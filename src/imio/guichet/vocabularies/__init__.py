"""Vocabularies of the guichet."""
