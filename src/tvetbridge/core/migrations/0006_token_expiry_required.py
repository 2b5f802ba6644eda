"""Every token expires: tokens issued before expiry existed get 90 days from their creation (the
default for new ones), so the oldest stop working rather than living forever."""

import datetime as dt

from django.db import migrations, models

DEFAULT_DAYS = 90


def fill_expiry(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    for token in ApiToken.objects.filter(expires__isnull=True):
        token.expires = token.created + dt.timedelta(days=DEFAULT_DAYS)
        token.save(update_fields=["expires"])


class Migration(migrations.Migration):
    dependencies = [("core", "0005_history_token_scope")]

    operations = [
        migrations.RunPython(fill_expiry, migrations.RunPython.noop),
        migrations.AlterField(model_name="apitoken", name="expires",
                              field=models.DateTimeField(verbose_name="expires")),
        migrations.AlterField(model_name="historicalapitoken", name="expires",
                              field=models.DateTimeField(verbose_name="expires")),
    ]
