"""Full-text index of the catalogue: an FTS5 table on SQLite, a GIN index over the tokens' tsvector
on PostgreSQL. Both index ``Resource.search_tokens`` (see engine/search.py)."""

from django.db import migrations

SQLITE_CREATE = ("CREATE VIRTUAL TABLE IF NOT EXISTS library_resource_fts USING fts5("
                 "tokens, tokenize = 'unicode61 remove_diacritics 0')")
PG_CREATE = ("CREATE INDEX IF NOT EXISTS library_resource_fts ON library_resource "
             "USING gin (to_tsvector('simple'::regconfig, search_tokens))")


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        schema_editor.execute(PG_CREATE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS library_resource_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS library_resource_fts")


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
