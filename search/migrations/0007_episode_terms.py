# Each episode's terms, in how many moments, at most how many times in one, and from when: a
# search of one term counts and ranks its episodes from these (written by `rebuild_index`).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("episodes", "0006_source_format_web_page"),
        ("search", "0006_moments_in_classes_of_rank"),
    ]

    operations = [
        migrations.CreateModel(
            name="EpisodeTerm",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "episode", "term", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("term", models.TextField()),
                ("moments", models.PositiveIntegerField()),
                ("most", models.PositiveIntegerField()),
                ("first_ms", models.PositiveIntegerField()),
                (
                    "episode",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="episodes.episode",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["term"],
                        include=("episode", "moments", "most", "first_ms"),
                        name="search_episodeterm_term",
                    )
                ],
            },
        ),
    ]
