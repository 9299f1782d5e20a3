"""Control panels of the guichet."""
