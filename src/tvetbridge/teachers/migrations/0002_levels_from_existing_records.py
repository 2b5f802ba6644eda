"""Existing levels become structured proficiencies, so nothing recorded before is lost or re-typed:

* each ``registry.FacultyLanguage`` (a self-declared CEFR level or "native") → a proficiency on the
  CEFR (or native) scale, with no certificate or issuer (self-declared);
* each trainee's language credential whose level reads as HSK ("HSK 4", "hsk-4") → a proficiency on
  an HSK scale with the credential's issuer and date: levels 7–9 exist only in HSK 3.0; levels 1–6
  are read on the older 1–6 test, the examination administered at those levels while HSK 3.0's
  standard (GF 0025-2021) was phased in. A credential with a CEFR level names no language, so it
  stays a credential only.

Levels that read as neither are left where they are (the credential keeps them); reversing removes
only what this migration wrote (external keys ``registry-fl-*`` and ``outcomes-credential-*``)."""

import re

from django.db import migrations

CEFR = {"A1", "A2", "B1", "B2", "C1", "C2"}
BATCH = 2000


def forwards(apps, schema_editor):
    FacultyLanguage = apps.get_model("registry", "FacultyLanguage")
    Credential = apps.get_model("outcomes", "Credential")
    Proficiency = apps.get_model("teachers", "LanguageProficiency")
    rows = []
    for pk, faculty, language, level in FacultyLanguage.objects.values_list("pk", "faculty_id", "language_id",
                                                                           "level").iterator():
        scale = "native" if level == "native" else "cefr" if level in CEFR else None
        if scale:
            rows.append(Proficiency(external_key=f"registry-fl-{pk}", faculty_id=faculty, language_id=language,
                                    scale=scale, level=level))
    for pk, trainee, name, level, issuer, awarded in Credential.objects.filter(kind="language").values_list(
            "pk", "trainee_id", "name", "level", "issuer", "awarded").iterator():
        hsk = re.fullmatch(r"\s*(?:hsk)?\s*-?\s*([1-9])\s*", level or "", flags=re.IGNORECASE)
        if hsk and "hsk" in f"{name} {level}".lower():
            code, language = hsk.group(1), "zh"
            scale = "hsk3" if int(code) > 6 else "hsk2"
        else:
            continue  # a CEFR level on a credential names no language: nothing to attach it to
        rows.append(Proficiency(external_key=f"outcomes-credential-{pk}", trainee_id=trainee,
                                language_id=language, scale=scale, level=code, issuer=issuer[:200],
                                certified_on=awarded))
    Language = apps.get_model("core", "Language")
    if rows and not Language.objects.filter(pk="zh").exists():
        rows = [r for r in rows if r.language_id != "zh"]
    Proficiency.objects.bulk_create(rows, batch_size=BATCH)


def backwards(apps, schema_editor):
    Proficiency = apps.get_model("teachers", "LanguageProficiency")
    Proficiency.objects.filter(external_key__startswith="registry-fl-").delete()
    Proficiency.objects.filter(external_key__startswith="outcomes-credential-").delete()


class Migration(migrations.Migration):
    dependencies = [("teachers", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
