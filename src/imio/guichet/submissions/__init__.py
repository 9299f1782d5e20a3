"""Citizen submissions: storage, references and the domain functions."""
