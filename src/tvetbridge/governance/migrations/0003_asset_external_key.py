# Assets get the inventory key imports match on, and disposal cannot precede acquisition.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('governance', '0002_committees_events'),
    ]

    operations = [
        migrations.AddField(
            model_name='asset',
            name='external_key',
            field=models.CharField(blank=True, max_length=100, null=True, unique=True, verbose_name='external key'),
        ),
        migrations.AddField(
            model_name='historicalasset',
            name='external_key',
            field=models.CharField(blank=True, db_index=True, max_length=100, null=True, verbose_name='external key'),
        ),
        migrations.AddConstraint(
            model_name='asset',
            constraint=models.CheckConstraint(condition=models.Q(('disposed_on__isnull', True), ('acquired_on__isnull', True), ('disposed_on__gte', models.F('acquired_on')), _connector='OR'), name='asset_disposed_after_acquired'),
        ),
    ]
