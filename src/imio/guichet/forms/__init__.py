"""Procedure forms: schema parsing, validation and JSON Schema."""
