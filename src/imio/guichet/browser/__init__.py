"""Classic UI views of the guichet."""
