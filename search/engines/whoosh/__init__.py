"""The Whoosh engine: an index folder on this machine, the archive's default (docs/engines.md)."""
