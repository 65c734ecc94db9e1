# Prefixes match the words folded in each moment's document (weight C), with no list of known
# terms to expand them over: the PostgreSQL engine's KnownTerm goes (its byte-order index with it).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_search_moment_version_index"),
    ]

    operations = [
        migrations.DeleteModel(name="KnownTerm"),
    ]
