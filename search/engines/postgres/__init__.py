"""The PostgreSQL engine: the database's own full-text search, for several servers (docs/engines.md)."""
