"""The shared database: engine and sessions, schema, migrations and the case (work-order) tables."""
