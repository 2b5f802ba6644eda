"""Order-based training commitments point at their SkillDemand instead of naming it in free text.

The data step links each commitment whose old reference is the external key of a demand posted by
the same enterprise. A reference that matches nothing (or another enterprise's demand) is not
guessed at: the commitment stays unlinked and the old text is kept in its notes, so that someone can
link it by hand (editing the commitment then requires a demand).
"""

import django.db.models.deletion
from django.db import migrations, models

UNLINKED_NOTE = "Skill demand reference before demands were linked (no matching demand): "


def link_references(apps, schema_editor):
    OrderCommitment = apps.get_model("finance", "OrderCommitment")
    SkillDemand = apps.get_model("demand", "SkillDemand")
    for commitment in OrderCommitment.objects.exclude(demand_reference="").iterator():
        reference = commitment.demand_reference.strip()
        demand = (SkillDemand.objects.filter(external_key=reference).first()
                  or SkillDemand.objects.filter(external_key__iexact=reference).first())
        if demand is not None and demand.enterprise_id == commitment.enterprise_id:
            commitment.demand = demand
            commitment.save(update_fields=["demand"])
        else:
            note = UNLINKED_NOTE + reference
            commitment.notes = f"{commitment.notes}\n{note}".strip() if commitment.notes else note
            commitment.save(update_fields=["notes"])


def unlink_references(apps, schema_editor):
    OrderCommitment = apps.get_model("finance", "OrderCommitment")
    for commitment in OrderCommitment.objects.select_related("demand").iterator():
        lines = commitment.notes.splitlines()
        kept = [line for line in lines if not line.startswith(UNLINKED_NOTE)]
        old = [line.removeprefix(UNLINKED_NOTE) for line in lines if line.startswith(UNLINKED_NOTE)]
        reference = commitment.demand.external_key if commitment.demand_id else (old[0] if old else "")
        commitment.demand_reference = reference[:100]
        commitment.notes = "\n".join(kept)
        commitment.save(update_fields=["demand_reference", "notes"])


class Migration(migrations.Migration):

    dependencies = [
        ('demand', '0001_initial'),
        ('finance', '0002_ledger_guards'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalordercommitment',
            name='demand',
            field=models.ForeignKey(blank=True, db_constraint=False, error_messages={'invalid': 'There is no skill demand with id %(value)r.'}, help_text="The enterprise's skill demand this order answers.", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='demand.skilldemand', verbose_name='skill demand'),
        ),
        migrations.AddField(
            model_name='ordercommitment',
            name='demand',
            field=models.ForeignKey(error_messages={'invalid': 'There is no skill demand with id %(value)r.'}, help_text="The enterprise's skill demand this order answers.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='order_commitments', to='demand.skilldemand', verbose_name='skill demand'),
        ),
        migrations.RunPython(link_references, unlink_references),
        migrations.RemoveField(
            model_name='historicalordercommitment',
            name='demand_reference',
        ),
        migrations.RemoveField(
            model_name='ordercommitment',
            name='demand_reference',
        ),
    ]
