"""The static files' storage: WhiteNoise's, with hashed names and gzip copies, that still works
when `collectstatic` has not run."""

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class ArchiveStaticStorage(CompressedManifestStaticFilesStorage):
    """Pages name each file by the hash of its content, from the manifest that `collectstatic`
    (bin/release) writes. Where it never ran (a checkout, a test server), files are named as they
    are, served from the apps' folders (WhiteNoise's finders) with a short cache, and the log
    says so once: a page is never a 500 for it."""

    _warned = False

    def stored_name(self, name: str) -> str:
        if self.hashed_files:
            return super().stored_name(name)
        if not ArchiveStaticStorage._warned:
            ArchiveStaticStorage._warned = True
            logger.warning("static files not gathered here (no manifest in STATIC_ROOT): run bin/release")
        return name
