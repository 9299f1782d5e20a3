"""Retention of submissions: how long each is kept after it ends, then
anonymised or deleted; legal holds; the daily purge."""
