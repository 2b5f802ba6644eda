"""Load the shipped exchange-rate and consumer-price tables (see outcomes/data/SOURCES.md).

Only missing rows are inserted, so rows edited in the admin survive; reversing leaves the tables
alone because by then they may hold edits."""

from django.db import migrations


def install(apps, schema_editor):
    from tvetbridge.outcomes.io.price_tables import install_shipped_tables

    install_shipped_tables(apps.get_model("core", "ExchangeRate"), apps.get_model("outcomes", "CpiIndex"),
                           apps.get_model("core", "Source"))


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial"), ("core", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
