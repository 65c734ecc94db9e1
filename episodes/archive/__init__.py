"""The whole archive to a folder and back: a backup a person can check, and restore into an empty archive.

An export folder holds, for each episode, its original file (byte for byte, when there is one) and
its current transcript (after staff corrections) in Podcasting 2.0 JSON; `manifest.json` with
everything else (shows, episodes, people and their roles, chapters, listeners' corrections, the
glossary); and `SHA256SUMS`, the SHA-256 of every other file, in the form `sha256sum -c` checks:

    manifest.json
    SHA256SUMS
    episodes/<episode slug>/original.<ext>
    episodes/<episode slug>/transcript.json

A restore checks everything (checksums, the manifest, every transcript through the import's own
parser) before it writes anything, then writes the whole archive in one transaction.
"""

from episodes.archive.export import Exported, export_archive
from episodes.archive.manifest import ArchiveError, Checked, check_export
from episodes.archive.restore import Restored, archive_is_empty, require_empty_archive, restore_archive

__all__ = [
    "ArchiveError",
    "Checked",
    "Exported",
    "Restored",
    "archive_is_empty",
    "check_export",
    "export_archive",
    "require_empty_archive",
    "restore_archive",
]
