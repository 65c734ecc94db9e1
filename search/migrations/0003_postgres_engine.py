# The PostgreSQL engine's tables. Their GIN, trigram and byte-order indexes and the pg_trgm
# extension are made on PostgreSQL only: on SQLite (the Whoosh engine) the tables stay empty.

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models

from search.migration_operations import AddIndexOnPostgreSQL, TrigramExtensionOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [
        ("episodes", "0002_first_published_at"),
        ("search", "0002_indexjob"),
    ]

    operations = [
        TrigramExtensionOnPostgreSQL(),
        migrations.CreateModel(
            name="SearchMoment",
            fields=[
                ("segment_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("position", models.PositiveIntegerField()),
                ("start_ms", models.PositiveIntegerField()),
                ("end_ms", models.PositiveIntegerField()),
                ("air_date", models.DateField()),
                ("text", models.TextField()),
                ("document", django.contrib.postgres.search.SearchVectorField()),
                ("version", models.PositiveSmallIntegerField()),
                (
                    "episode",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="episodes.episode"
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="SpokenWord",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "episode", "word", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("word", models.TextField()),
                ("moments", models.PositiveIntegerField()),
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
                "indexes": [models.Index(fields=["word", "moments"], name="search_spokenword_word")],
            },
        ),
        AddIndexOnPostgreSQL(
            model_name="searchmoment",
            index=django.contrib.postgres.indexes.GinIndex(fields=["document"], name="search_moment_document"),
        ),
        migrations.CreateModel(
            name="KnownTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("term", models.TextField()),
            ],
        ),
        AddIndexOnPostgreSQL(
            model_name="knownterm",
            index=models.Index(
                django.db.models.functions.comparison.Collate("term", "C"), name="search_knownterm_bytes"
            ),
        ),
        migrations.CreateModel(
            name="KnownWord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.TextField()),
            ],
            options={
                "indexes": [models.Index(fields=["word"], name="search_knownword_word")],
            },
        ),
        AddIndexOnPostgreSQL(
            model_name="knownword",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["word"], name="search_knownword_trigrams", opclasses=["gin_trgm_ops"]
            ),
        ),
    ]
