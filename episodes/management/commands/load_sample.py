import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from episodes.models import Show, ShowKind
from episodes.services import import_transcript
from search.indexing import process_index_jobs
from search.models import GlossaryEntry

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE = SAMPLES / "smart-tech-2025-06-19.txt"
GLOSSARY = SAMPLES / "glossary.json"


class Command(BaseCommand):
    help = (
        "Load the sample episode shipped with the archive (SMART TECH, 19 June 2025), published, "
        'and the glossary of what its speech recognition misheard (NIS2 heard as "Nice 2"...). '
        "Safe to run again: the episode is replaced in place, never duplicated."
    )

    def handle(self, *args, **options) -> None:
        for entry in json.loads(GLOSSARY.read_text(encoding="utf-8")):
            GlossaryEntry.objects.update_or_create(
                term=entry["term"], defaults={"variants": "\n".join(entry["variants"])}
            )
        result = import_transcript(data=SAMPLE.read_bytes(), filename=SAMPLE.name)
        episode = result.episode
        # SMART TECH is on television (BFM Business): its episodes are TVEpisodes for search engines.
        Show.objects.filter(pk=episode.show_id).update(kind=ShowKind.TV)
        process_index_jobs(episode_ids=[episode.pk])
        action = "loaded" if result.created else "already there, reloaded"
        url = settings.ARCHIVE_BASE_URL + episode.get_absolute_url()
        self.stdout.write(f"Sample episode {action}: {episode.title} ({episode.segments.count()} segments) {url}")
