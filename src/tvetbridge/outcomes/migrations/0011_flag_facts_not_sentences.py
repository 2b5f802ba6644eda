"""Quality flags keep facts, not English: the stored summary and rule text go (both are worded for the
reader from the rule code and the evidence), and the evidence's English labels become codes: the money
basis its key (``USD-real-2024``), the estimation method and the comparison group their codes, the peer
projects their ids."""

import re

from django.db import migrations

BASIS_REAL = re.compile(r"^([A-Z]{3}) at (\d{4}) prices \(real\)$")
BASIS_NOMINAL = re.compile(r"^([A-Z]{3}), nominal")
METHODS = {"difference in means": "difference", "regression adjustment": "regression",
           "inverse probability weighting": "ipw", "doubly robust (AIPW)": "aipw",
           "propensity-score matching": "matching", "difference-in-differences": "did:simple",
           "doubly robust difference-in-differences": "did:doubly_robust"}
COMPARISONS = {"applicants to this project who were not enrolled": "applicants",
               "the project's later cohort, before its own training started": "later_cohort",
               "applicants not enrolled anywhere, from the same home regions": "regional"}


def _basis_key(label, year):
    m = BASIS_REAL.match(label)
    if m:
        return f"{m[1]}-real-{m[2]}"
    m = BASIS_NOMINAL.match(label)
    if m:
        return f"{m[1]}-nominal-{year}"
    return label


def to_facts(apps, schema_editor):
    QualityFlag = apps.get_model("outcomes", "QualityFlag")
    Project = apps.get_model("registry", "CooperationProject")
    for flag in QualityFlag.objects.all().iterator():
        e = dict(flag.evidence or {})
        e.pop("rule", None)
        if isinstance(e.get("basis"), str):
            e["basis"] = _basis_key(e["basis"], flag.raised.year - 1 if flag.raised else 2024)
        if isinstance(e.get("method"), str):
            e["method"] = METHODS.get(e["method"], e["method"])
        if isinstance(e.get("comparison"), str):
            e["comparison"] = COMPARISONS.get(e["comparison"], e["comparison"])
        if isinstance(e.get("peers"), dict):
            ids = dict(Project.objects.filter(name__in=list(e["peers"])).values_list("name", "pk"))
            e["peers"] = {str(ids.get(name, name)): v for name, v in e["peers"].items()}
        if e != flag.evidence:
            QualityFlag.objects.filter(pk=flag.pk).update(evidence=e)


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0010_history_shared_validators"),
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(to_facts, migrations.RunPython.noop),
        migrations.RemoveField(model_name="qualityflag", name="summary"),
        migrations.RemoveField(model_name="historicalqualityflag", name="summary"),
    ]
