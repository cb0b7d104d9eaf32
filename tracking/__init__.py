"""Live tracking: GPS fix validation, ETA, pub/sub broker, feed messages (issue 4)."""
