"""A throwaway archive for the benchmarks that time pages through Django's test client."""

import atexit
import os
import shutil
import tempfile


def throwaway_archive() -> None:
    """Point Django at a new archive (SQLite and Whoosh in a temporary folder, removed at exit),
    set it up and apply the migrations."""
    data = tempfile.mkdtemp(prefix="bench-")
    atexit.register(shutil.rmtree, data, ignore_errors=True)
    os.environ["ARCHIVE_DATA_DIR"] = data
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarttech.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
