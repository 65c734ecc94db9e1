"""The media folder against the database: originals no episode names (left by an import or a
restore killed before it committed: it stores the file first) and originals an episode names
that are not there. A file is an orphan only once it is older than GRACE: an import under way has
stored its file and not yet committed its episode."""

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from episodes.models import Episode

ORIGINALS = "transcripts"
GRACE = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class MediaDrift:
    orphans: list[Path]  # files under transcripts/ that no episode names
    missing: list[str]  # originals episodes name that are not in the folder

    def __bool__(self) -> bool:
        return bool(self.orphans or self.missing)


def media_drift(now: datetime.datetime | None = None) -> MediaDrift:
    root = Path(settings.MEDIA_ROOT)
    named = set(Episode.objects.exclude(source_file="").values_list("source_file", flat=True))
    oldest = ((now or datetime.datetime.now(datetime.UTC)) - GRACE).timestamp()
    orphans = []
    for folder, _folders, files in os.walk(root / ORIGINALS):
        for name in files:
            path = Path(folder) / name
            if path.relative_to(root).as_posix() not in named and path.lstat().st_mtime < oldest:
                orphans.append(path)
    missing = sorted(name for name in named if not (root / name).is_file())
    return MediaDrift(sorted(orphans), missing)


def remove_orphans(drift: MediaDrift) -> int:
    for path in drift.orphans:
        path.unlink(missing_ok=True)
    return len(drift.orphans)
