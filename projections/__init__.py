"""Read models rebuilt from the event log, each applied exactly once with tracking."""
