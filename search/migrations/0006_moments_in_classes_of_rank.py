# The first moments of a common word without ranking every match: the archive's order and newest
# first as indexes (the episode's own index is the first half of the first). The marks of repeats
# come with the engine's VERSION 3: `rebuild_index` writes them.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("episodes", "0006_source_format_web_page"),
        ("search", "0005_prefixes_match_words_not_terms"),
    ]

    operations = [
        migrations.AlterField(
            model_name="searchmoment",
            name="episode",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="episodes.episode"
            ),
        ),
        migrations.AddIndex(
            model_name="searchmoment",
            index=models.Index(fields=["episode", "position"], name="search_moment_order"),
        ),
        migrations.AddIndex(
            model_name="searchmoment",
            index=models.Index(fields=["-air_date", "start_ms", "episode", "position"], name="search_moment_newest"),
        ),
    ]
