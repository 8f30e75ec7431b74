"""The tamper-evident audit trail: an SM3 hash chain with HMAC-SM3 anchors held off-database."""
