"""Notes on reported results and country statistics in four languages: the English note moves to
``note_en`` and the curated translations of the seed notes fill the other languages."""

import json
from importlib import resources

from django.db import migrations, models


def translate_notes(apps, schema_editor):
    table = json.loads(resources.files("tvetbridge.demo.data").joinpath("note_translations.json")
                       .read_text(encoding="utf-8"))["notes"]
    for name in ("ReportedResult", "CountryStatistic"):
        model = apps.get_model("registry", name)
        for row in model.objects.exclude(note="").iterator():
            found = table.get(row.note, {})
            model.objects.filter(pk=row.pk).update(note_en=row.note, note_zh_hans=found.get("zh_hans"),
                                                   note_ru=found.get("ru"), note_kk=found.get("kk"))


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0006_token_expiry_required'),
        ('registry', '0004_version_db_default'),
    ]

    operations = [
        migrations.AddField(
            model_name='countrystatistic',
            name='note_en',
            field=models.CharField(blank=True, max_length=300, null=True, verbose_name='note'),
        ),
        migrations.AddField(
            model_name='countrystatistic',
            name='note_kk',
            field=models.CharField(blank=True, max_length=300, null=True, verbose_name='note'),
        ),
        migrations.AddField(
            model_name='countrystatistic',
            name='note_ru',
            field=models.CharField(blank=True, max_length=300, null=True, verbose_name='note'),
        ),
        migrations.AddField(
            model_name='countrystatistic',
            name='note_zh_hans',
            field=models.CharField(blank=True, max_length=300, null=True, verbose_name='note'),
        ),
        migrations.AddField(
            model_name='reportedresult',
            name='note_en',
            field=models.CharField(blank=True, max_length=300, null=True, verbose_name='note'),
        ),
        migrations.AddField(
            model_name='reportedresult',
            name='note_kk',
            field=models.CharField(blank=True, max_length=300, null=True, verbose_name='note'),
        ),
        migrations.AddField(
            model_name='reportedresult',
            name='note_ru',
            field=models.CharField(blank=True, max_length=300, null=True, verbose_name='note'),
        ),
        migrations.AddField(
            model_name='reportedresult',
            name='note_zh_hans',
            field=models.CharField(blank=True, max_length=300, null=True, verbose_name='note'),
        ),
        migrations.RunPython(translate_notes, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='countrystatistic',
            constraint=models.UniqueConstraint(fields=('country', 'scope', 'indicator', 'period', 'note_en'), name='uniq_country_statistic-en'),
        ),
        migrations.AddConstraint(
            model_name='countrystatistic',
            constraint=models.UniqueConstraint(fields=('country', 'scope', 'indicator', 'period', 'note_zh_hans'), name='uniq_country_statistic-zh-hans'),
        ),
        migrations.AddConstraint(
            model_name='countrystatistic',
            constraint=models.UniqueConstraint(fields=('country', 'scope', 'indicator', 'period', 'note_ru'), name='uniq_country_statistic-ru'),
        ),
        migrations.AddConstraint(
            model_name='countrystatistic',
            constraint=models.UniqueConstraint(fields=('country', 'scope', 'indicator', 'period', 'note_kk'), name='uniq_country_statistic-kk'),
        ),
    ]
