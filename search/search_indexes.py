"""Where Haystack looks for an app's indexes: the Whoosh engine's, declared beside its documents."""

from search.engines.whoosh.documents import MomentIndex

__all__ = ["MomentIndex"]
