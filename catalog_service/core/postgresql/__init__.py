"""PostgreSQL, as Django ships it, with a health check that needs no round trip."""
