"""Signed webhooks: CloudEvents pushed to back offices from a persistent outbox."""
