"""Importing skill demand from CSV or XLSX, with the registry's rules and machinery.

The registry's importer (``registry.io.importer``) does the work: header matching in every interface
language, per-cell parsing, natural keys resolved in bulk, the whole file checked before anything is
written, all-or-nothing writes with audit rows, dry runs, idempotence by ``external_key``. This module
adds, through the importer's public hooks, only what demand has and registry records do not: an
occupation and skills named by ESCO codes, languages with levels, and the enterprise-staff scope.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.core.models import Language
from tvetbridge.core.roles import Role, role_of
from tvetbridge.registry.io.columns import CellError, Column, Constraint, Spec, cell_text, translated
from tvetbridge.registry.io.files import write_csv, write_xlsx
from tvetbridge.registry.io.importer import Importer, ImportResult, Row, RowError, run_import
from tvetbridge.taxonomy.models import ESCO_OCCUPATION_PREFIX, ESCO_SKILL_PREFIX, Occupation, Skill

from .models import SkillDemand, format_languages, parse_languages

KIND = "demand"


class DemandSpec(Spec):
    @property
    def name_columns(self) -> list[Column]:
        # Demand is named by its title; the registry's specs by their name.
        return [c for c in self.columns if c.base_field == "title"]


SPEC = DemandSpec(KIND, SkillDemand, [
    Column("external_key", "external_key", "text", required=True),
    Column("enterprise", "enterprise", "fk", required=True, lookup="enterprise"),
    Column("kind", "kind", "choice"),
    *translated("title"),
    Column("description", "description", "text"),
    Column("country", "country", "fk", required=True, lookup="country"),
    Column("region", "region", "fk", lookup="region"),
    # ESCO code (7212.3), identifier or URI; resolved here, not by the registry's lookup tables.
    Column("occupation", "occupation", "fk", required=True),
    Column("required_skills", "required_skills", "m2m"),
    Column("languages", "languages", "languages"),
    Column("count", "count", "int", required=True),
    Column("offered_wage", "offered_wage", "decimal"),
    Column("wage_currency", "wage_currency", "choice"),
    Column("deadline", "deadline", "date", required=True),
    Column("order_commitment", "order_commitment", "bool"),
    Column("commitment_amount", "commitment_amount", "decimal"),
    Column("commitment_currency", "commitment_currency", "choice"),
    Column("status", "status", "choice"),
    Column("is_synthetic", "is_synthetic", "bool"),
    Column("source", "source", "fk", lookup="source"),
], constraints=[
    Constraint("demand_count_positive", "count", gettext_lazy("The number of people must be at least 1.")),
    Constraint("demand_commitment_has_amount", "commitment_amount",
               gettext_lazy("Give the amount paid per hired graduate, or set the commitment to no.")),
], region_in_country=("region", "country"))


def _concept_key(value: str, prefix: str) -> str:
    value = value.strip()
    return value[len(prefix):] if value.startswith(prefix) else value


class DemandImporter(Importer):
    def prepare(self) -> None:
        self.language_codes = set(Language.objects.values_list("code", flat=True))

    def parse_cell(self, column: Column, raw):
        if column.type == "languages":
            try:
                value = parse_languages(cell_text(raw))
            except ValidationError as exc:
                raise CellError(" ".join(exc.messages)) from None
            unknown = sorted({item["language"] for item in value} - self.language_codes)
            if unknown:
                raise CellError(_("Unknown language code “%(value)s” (use ISO 639-1, e.g. ru).")
                                % {"value": ", ".join(unknown)})
            return value
        return super().parse_cell(column, raw)

    def resolve_custom(self, rows: list[Row]) -> None:
        """Occupations by ESCO code, id or URI; skills by ESCO id or URI — a few queries per file."""
        occ_wanted, skill_wanted = set(), set()
        for row in rows:
            if "occupation" not in row.bad and row.values.get("occupation"):
                occ_wanted.add(_concept_key(row.values["occupation"], ESCO_OCCUPATION_PREFIX))
            if "required_skills" not in row.bad:
                skill_wanted |= {_concept_key(v, ESCO_SKILL_PREFIX) for v in row.values.get("required_skills") or []}
        occupations: dict[str, int] = {}
        occ_list = sorted(occ_wanted)
        for start in range(0, len(occ_list), 400):
            chunk = occ_list[start:start + 400]
            occupations.update(Occupation.objects.filter(code__in=chunk).values_list("code", "pk"))
            occupations.update(Occupation.objects.filter(esco_id__in=chunk).values_list("esco_id", "pk"))
        skills: dict[str, int] = {}
        skill_list = sorted(skill_wanted)
        for start in range(0, len(skill_list), 400):
            skills.update(Skill.objects.filter(esco_id__in=skill_list[start:start + 400])
                          .values_list("esco_id", "pk"))
        for row in rows:
            if "occupation" in self.positions and "occupation" not in row.bad:
                value = row.values.get("occupation") or ""
                key = _concept_key(value, ESCO_OCCUPATION_PREFIX)
                if not key:
                    row.values["occupation"] = None
                    self.error(row, "occupation", _("This value is required."))
                elif key not in occupations:
                    row.values["occupation"] = None
                    self.error(row, "occupation", _("Unknown occupation “%(value)s” (give its ESCO code, e.g. "
                                                    "7212.3, or its ESCO URI).") % {"value": value})
                else:
                    row.values["occupation"] = occupations[key]
            if "required_skills" in self.positions and "required_skills" not in row.bad:
                values = row.values.get("required_skills") or []
                missing = [v for v in values if _concept_key(v, ESCO_SKILL_PREFIX) not in skills]
                if missing:
                    self.error(row, "required_skills", _("Unknown skill “%(value)s” (give its ESCO URI or "
                                                         "identifier).") % {"value": ", ".join(missing)})
                else:
                    row.values["required_skills"] = {skills[_concept_key(v, ESCO_SKILL_PREFIX)] for v in values}

    def check_rows(self, rows: list[Row]) -> None:
        titles = [c.key for c in self.spec.name_columns if c.key in self.positions]
        for row in rows:
            if titles and not any(row.values.get(k) for k in titles) and not (set(titles) & row.bad):
                self.error(row, titles[0], _("Give the title in at least one language."))

    def apply(self, row: Row, obj, is_new: bool) -> None:
        super().apply(row, obj, is_new)
        if is_new and getattr(self.user, "is_authenticated", False):
            obj.created_by_id = self.user.pk

    def validation_stand_ins(self, row: Row, obj) -> dict[str, object]:
        # A missing title is reported by check_rows on its column; a stand-in keeps full_clean from
        # reporting it again without a column. A row with an error is never written.
        if any(getattr(obj, c.field) for c in self.spec.name_columns):
            return {}
        return {"title_en": "-"}

    def check_scope(self, row: Row, obj) -> None:
        if self.user is None or role_of(self.user) != Role.ENTERPRISE_STAFF or "enterprise" in row.bad:
            return
        if obj.enterprise_id != self.user.profile.enterprise_id:
            self.error(row, "enterprise", _("You can only import demand of your own enterprise."))


def import_demand(user, data: bytes, filename: str, *, dry_run: bool = False) -> ImportResult:
    """Import ``data`` (a CSV or XLSX file's bytes): every row checked, then all written or none.

    ``user`` is checked row by row with the demand rules; ``None`` is the platform itself."""
    if user is not None and not user.has_perm("demand.import_skilldemand"):
        result = ImportResult(kind=KIND, filename=filename, dry_run=dry_run)
        result.errors.append(RowError(None, "", _("You may not import demand.")))
        return result
    return run_import(DemandImporter, user, SPEC, data, filename, dry_run=dry_run)


def template_file(fmt: str = "xlsx") -> bytes:
    """An empty file with the column headers (field names, which read back in every language)."""
    header = [c.key for c in SPEC.columns]
    example = ["demand-0001", "ent-example", "vacancy", "Welder", "", "Сварщик", "", "", "KZ", "KZ-75", "7212.3",
               "", "zh HSK3; ru B1", "10", "350000", "KZT", "2030-01-31", "no", "", "", "open", "no", ""]
    return write_csv(header, [example]) if fmt == "csv" else write_xlsx(header, [example], title="demand")


def export_rows(qs) -> tuple[list[str], list[list]]:
    header = [c.key for c in SPEC.columns]
    rows = []
    for d in qs.select_related("enterprise", "country", "region", "occupation", "source").prefetch_related(
            "required_skills"):
        rows.append([d.external_key, d.enterprise.external_key, d.kind, d.title_en, d.title_zh_hans, d.title_ru,
                     d.title_kk, d.description, d.country_id, d.region.code if d.region else "",
                     d.occupation.code, "; ".join(s.esco_id for s in d.required_skills.all()),
                     format_languages(d.languages), d.count, d.offered_wage, d.wage_currency, d.deadline,
                     "yes" if d.order_commitment else "no", d.commitment_amount, d.commitment_currency, d.status,
                     "yes" if d.is_synthetic else "no", d.source.key if d.source else ""])
    return header, rows
