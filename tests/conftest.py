from io import StringIO
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "episodes" / "samples" / "smart-tech-2025-06-19.txt"


@pytest.fixture
def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path: Path) -> Path:
    """Stored originals go to a temporary folder, never to the real data folder."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def search_index(tmp_path: Path):
    """A real, empty Whoosh index in a temporary folder for every test, used by every write
    and search: documents a test indexed (even of rows its rollback removed) never reach another."""
    from haystack import connections

    info = connections.connections_info["default"]
    old_path = info["PATH"]
    info["PATH"] = str(tmp_path / "whoosh")
    connections.reload("default")
    yield Path(info["PATH"])
    info["PATH"] = old_path
    connections.reload("default")


@pytest.fixture
def sample_episode(search_index, transactional_db):
    """The sample loaded through `load_sample`, committed, so it is indexed as in production."""
    from django.core.management import call_command

    from episodes.models import Episode

    call_command("load_sample", stdout=StringIO())
    return Episode.objects.get()


def index_now() -> None:
    """What `manage.py index_worker` does: catch up with every committed change."""
    from search.indexing import process_index_jobs

    process_index_jobs()
