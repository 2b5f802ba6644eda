# Issue 4: incomes keep their trainee and batch links without database foreign keys (the importer
# validates trainees in its own transaction); the trainee index is covered by the unique index.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('outcomes', '0002_price_tables'),
    ]

    operations = [
        migrations.AlterField(
            model_name='incomeobservation',
            name='batch',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='outcomes.importbatch', verbose_name='import batch'),
        ),
        migrations.AlterField(
            model_name='incomeobservation',
            name='trainee',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='incomes', to='outcomes.trainee', verbose_name='trainee'),
        ),
    ]
