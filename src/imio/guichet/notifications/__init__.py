"""E-mail notifications: confirmation to the citizen, notice to the service,
and the citizen's notices of state changes."""
