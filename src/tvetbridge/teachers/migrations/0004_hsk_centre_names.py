"""A Chinese test centre's name and city in four languages: what was written so far becomes the English
text (the default language, which the others fall back to)."""

from django.db import migrations, models
from django.db.models import F


def english_from_existing(apps, schema_editor):
    apps.get_model("teachers", "HskCentre").objects.update(name_en=F("name"), city_en=F("city"))


class Migration(migrations.Migration):

    dependencies = [
        ('teachers', '0003_hsk_centres'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalhskcentre',
            name='city_en',
            field=models.CharField(max_length=120, null=True, verbose_name='city'),
        ),
        migrations.AddField(
            model_name='historicalhskcentre',
            name='city_kk',
            field=models.CharField(max_length=120, null=True, verbose_name='city'),
        ),
        migrations.AddField(
            model_name='historicalhskcentre',
            name='city_ru',
            field=models.CharField(max_length=120, null=True, verbose_name='city'),
        ),
        migrations.AddField(
            model_name='historicalhskcentre',
            name='city_zh_hans',
            field=models.CharField(max_length=120, null=True, verbose_name='city'),
        ),
        migrations.AddField(
            model_name='historicalhskcentre',
            name='name_en',
            field=models.CharField(max_length=300, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='historicalhskcentre',
            name='name_kk',
            field=models.CharField(max_length=300, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='historicalhskcentre',
            name='name_ru',
            field=models.CharField(max_length=300, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='historicalhskcentre',
            name='name_zh_hans',
            field=models.CharField(max_length=300, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='hskcentre',
            name='city_en',
            field=models.CharField(max_length=120, null=True, verbose_name='city'),
        ),
        migrations.AddField(
            model_name='hskcentre',
            name='city_kk',
            field=models.CharField(max_length=120, null=True, verbose_name='city'),
        ),
        migrations.AddField(
            model_name='hskcentre',
            name='city_ru',
            field=models.CharField(max_length=120, null=True, verbose_name='city'),
        ),
        migrations.AddField(
            model_name='hskcentre',
            name='city_zh_hans',
            field=models.CharField(max_length=120, null=True, verbose_name='city'),
        ),
        migrations.AddField(
            model_name='hskcentre',
            name='name_en',
            field=models.CharField(max_length=300, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='hskcentre',
            name='name_kk',
            field=models.CharField(max_length=300, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='hskcentre',
            name='name_ru',
            field=models.CharField(max_length=300, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='hskcentre',
            name='name_zh_hans',
            field=models.CharField(max_length=300, null=True, verbose_name='name'),
        ),
        migrations.RunPython(english_from_existing, migrations.RunPython.noop),
    ]
