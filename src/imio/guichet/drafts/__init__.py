"""Drafts of online forms: save, resume, expire (never submissions)."""
