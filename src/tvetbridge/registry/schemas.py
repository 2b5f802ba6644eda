"""Request and response shapes of the registry API.

Inputs refer to other records by natural keys where they have one (country and language codes,
ISCED-F field codes, region codes, source keys) and by id otherwise. Every bound in these schemas
mirrors a model constraint, so a bad value is a 422 from the schema, not a crash in the database.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import create_model

from tvetbridge.core.api import Id, SourceOut, Text, text, translated

from .models import CooperationProject, DatePrecision, Enterprise, Facility, Institution, Programme

# PositiveIntegerField's range on every supported database.
MAX_INT = 2_147_483_647


def choice(choices_cls) -> Any:
    return Literal[tuple(choices_cls.values)]


Count = Annotated[int, Field(ge=0, le=MAX_INT)]
CountryCode = text(2, 2)
RegionCode = text(20, 1)
LanguageCode = text(3, 2)
FieldCode = text(4, 2)
SourceKey = text(80, 1)
ExternalKey = text(100, 1)
Name = text(300, 1)
OptName = text(300)
Short = text(60)
Url = text(200)
Email = text(254)
Phone = text(40)
Line = text(300)
Line200 = text(200)
Label = text(60)

# Lists are bounded: a request naming thousands of related records is a mistake, not a use.
Languages = Annotated[list[LanguageCode], Field(max_length=20)]
Fields = Annotated[list[FieldCode], Field(max_length=50)]
Ids = Annotated[list[Id], Field(max_length=200)]

# ---------------------------------------------------------------------------------------------------
# Output


# Resolvers: a related record is given by its id or natural key, and only records that belong to
# the one shown (a project's funding) are nested; each output schema names, per field, which of these
# shapes it takes. Reading through .all() uses prefetch_related; values_list would query again per row.


def id_of(name: str) -> staticmethod:
    """The id (or code, where it is the primary key) of the related record ``name``."""
    return staticmethod(lambda obj: getattr(obj, f"{name}_id"))


def key_of(name: str, key: str = "code") -> staticmethod:
    """A natural key of the optional related record ``name``; None without one."""
    return staticmethod(lambda obj: getattr(getattr(obj, name), key) if getattr(obj, f"{name}_id") else None)


def ids_of(name: str) -> staticmethod:
    """The ids (or codes) of the many related records ``name``."""
    return staticmethod(lambda obj: [related.pk for related in getattr(obj, name).all()])


def all_of(name: str) -> staticmethod:
    """The many related records ``name``, for a nested schema."""
    return staticmethod(lambda obj: list(getattr(obj, name).all()))


class Translated(Schema):
    """`name` follows the request language (?lang= or Accept-Language); the four versions are all given.

    So does `description`, in the schemas that have one."""

    name: str
    name_en: str | None
    name_zh_hans: str | None
    name_ru: str | None
    name_kk: str | None

    @staticmethod
    def resolve_name(obj, context):
        return translated(obj, "name", context)

    @staticmethod
    def resolve_description(obj, context):
        return translated(obj, "description", context)


class RecordOut(Schema):
    """Fields every record has.

    The resolvers serve the registry's schemas that have a field of their name; a schema without
    the field never calls it, and one whose field means something else defines its own.
    """

    id: int
    external_key: str
    is_synthetic: bool = Field(description="True for generated demo data, which is not a real record.")
    source: SourceOut | None = Field(description="Where the record's facts come from.")
    created: dt.datetime
    updated: dt.datetime
    version: int = Field(description="Raised by one on every change; send it back as If-Match (the ETag) or "
                                     "in the body when you change the record.")

    resolve_institution = id_of("institution")
    resolve_country = id_of("country")
    resolve_region = key_of("region")
    resolve_languages = ids_of("languages")
    resolve_fields = ids_of("fields")
    resolve_enterprises = ids_of("enterprises")


class InstitutionOut(RecordOut, Translated):
    short_name: str
    aliases: str
    kind: str
    country: str
    region: str | None
    languages: list[str]
    fields: list[str]
    website: str
    email: str
    phone: str
    address: str
    description: str


class ProgrammeOut(RecordOut, Translated):
    institution: int
    field: str
    isced_level: int
    national_level: str
    duration_months: int
    languages: list[str]
    intake_capacity: int
    expected_graduates: int
    description: str

    resolve_field = id_of("field")


class LanguageSkillOut(Schema):
    language: str
    level: str

    resolve_language = id_of("language")


class FacultyOut(RecordOut):
    institution: int
    full_name: str
    position: str
    fields: list[str]
    willing_to_dispatch: bool
    languages: list[LanguageSkillOut]

    resolve_languages = all_of("language_skills")


class FacilityOut(RecordOut, Translated):
    institution: int
    kind: str
    capacity: int | None
    area_m2: int | None
    fields: list[str]


class EnterpriseOut(RecordOut, Translated):
    country: str
    region: str | None
    sector: str
    chinese_funded: bool
    website: str
    description: str


class CommitteeOut(Schema):
    name: str
    field: str | None

    @staticmethod
    def resolve_name(obj, context):
        return translated(obj, "name", context)

    resolve_field = id_of("field")


class AllianceOut(RecordOut, Translated):
    founded: dt.date | None
    scope: str
    institutions: list[int]
    lead_institutions: list[int]
    enterprises: list[int]
    reported_members: int | None
    description: str
    committees: list[CommitteeOut]

    resolve_institutions = ids_of("institutions")
    resolve_lead_institutions = ids_of("lead_institutions")
    resolve_committees = all_of("committees")


class FundingOut(Schema):
    kind: str
    funder: str
    amount: Decimal | None
    currency: str
    source: str | None

    resolve_source = key_of("source", "key")


class ReportedResultOut(Schema):
    indicator: str
    qualifier: str = Field(description="'' exactly, 'approx', 'more' than or 'less' than the value.")
    value: Decimal
    as_of: dt.date | None
    note: str
    source: SourceOut


class ProjectOut(RecordOut, Translated):
    kind: str
    status: str
    host_country: str
    host_region: str | None
    chinese_institutions: list[int]
    partner_institutions: list[int]
    enterprises: list[int]
    alliance: int | None
    fields: list[str]
    start_date: dt.date | None
    end_date: dt.date | None
    date_precision: str = Field(description="How precisely the sources give the dates: day, month or year.")
    description: str
    target_trainees: int | None
    target_employment_rate: Decimal | None
    target_income_gain: Decimal | None
    target_currency: str
    approved_by: str | None = Field(description="Username of the coordinator who approved the project.")
    approved_at: dt.datetime | None
    funding: list[FundingOut]
    reported_results: list[ReportedResultOut]

    resolve_host_country = id_of("host_country")
    resolve_host_region = key_of("host_region")
    resolve_chinese_institutions = ids_of("chinese_institutions")
    resolve_partner_institutions = ids_of("partner_institutions")
    resolve_alliance = id_of("alliance")
    resolve_funding = all_of("funding")
    resolve_reported_results = all_of("reported_results")

    @staticmethod
    def resolve_approved_by(obj):
        return obj.approved_by.get_username() if obj.approved_by_id else None


# ---------------------------------------------------------------------------------------------------
# Input (POST and PUT); PATCH uses the same fields, all optional


class RecordIn(Schema):
    version: int | None = Field(None, ge=1, le=MAX_INT, description=(
        "The version you read, when changing a record (or send its ETag as If-Match). Ignored on create."))
    external_key: ExternalKey
    source: SourceKey | None = Field(None, description="Key of the source the record's facts come from.")
    is_synthetic: bool = False


class TranslatedIn(Schema):
    name_en: Name = Field(description="Name in English, the fallback for the other languages.")
    name_zh_hans: OptName | None = None
    name_ru: OptName | None = None
    name_kk: OptName | None = None


class DescribedIn(Schema):
    description_en: Text | None = None
    description_zh_hans: Text | None = None
    description_ru: Text | None = None
    description_kk: Text | None = None


class InstitutionIn(RecordIn, TranslatedIn, DescribedIn):
    short_name: Short = ""
    aliases: text(400) = ""
    kind: choice(Institution.Kind)
    country: CountryCode
    region: RegionCode | None = None
    languages: Languages = []
    fields: Fields = []
    website: Url = ""
    email: Email = ""
    phone: Phone = ""
    address: Line = ""


class ProgrammeIn(RecordIn, TranslatedIn, DescribedIn):
    institution: Id
    field: FieldCode
    isced_level: choice(Programme.IscedLevel)
    national_level: Label = ""
    duration_months: Annotated[int, Field(ge=1, le=120)]
    languages: Languages = []
    intake_capacity: Count
    expected_graduates: Count


class FacultyIn(RecordIn):
    institution: Id
    full_name: text(200, 1)
    position: Line200 = ""
    fields: Fields = []
    willing_to_dispatch: bool = False


class FacilityIn(RecordIn, TranslatedIn):
    institution: Id
    kind: choice(Facility.Kind)
    capacity: Count | None = None
    area_m2: Count | None = None
    fields: Fields = []


class EnterpriseIn(RecordIn, TranslatedIn, DescribedIn):
    country: CountryCode
    region: RegionCode | None = None
    sector: choice(Enterprise.Sector)
    chinese_funded: bool = False
    website: Url = ""


class AllianceIn(RecordIn, TranslatedIn, DescribedIn):
    founded: dt.date | None = None
    scope: Line200 = ""
    institutions: Ids = []
    lead_institutions: Ids = []
    enterprises: Ids = []
    reported_members: Count | None = None


Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False)]
Currency = Literal["CNY", "KZT", "UZS", "TJS", "KGS", "TMT", "RUB", "USD", "EUR", ""]


class ProjectIn(RecordIn, TranslatedIn, DescribedIn):
    kind: choice(CooperationProject.Kind)
    # Moves along the life cycle are checked per role (registry.services.TRANSITIONS): a status this
    # caller may not bring about is refused with 403, whether set here or through /transition.
    status: choice(CooperationProject.Status) = "draft"
    host_country: CountryCode
    host_region: RegionCode | None = None
    chinese_institutions: Ids = []
    partner_institutions: Ids = []
    enterprises: Ids = []
    alliance: Id | None = None
    fields: Fields = []
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    date_precision: choice(DatePrecision) = "day"
    target_trainees: Count | None = None
    target_employment_rate: Percent | None = None
    target_income_gain: Money | None = None
    target_currency: Currency = ""


class ApproveIn(Schema):
    comment: text(300) = ""


class MemberIn(Schema):
    kind: Literal["institutions", "enterprises"]
    member: int = Field(ge=1, le=MAX_INT, description="The id of the institution or enterprise.")
    version: int | None = Field(None, ge=1, le=MAX_INT, description="The alliance version you read (or send If-Match).")


class TransitionIn(Schema):
    transition: Literal["propose", "return", "approve", "start", "complete", "suspend", "resume", "withdraw",
                        "cancel"]
    comment: text(300) = ""
    version: int | None = Field(None, ge=1, le=MAX_INT, description="The version you read (or send If-Match).")


def _drop_null_defaults(schema: dict[str, Any]) -> None:
    # An omitted PATCH field means "leave as is"; advertising `default: null` would suggest null is sent.
    for prop in schema.get("properties", {}).values():
        if prop.get("default", ...) is None:
            del prop["default"]


def patch_schema(full: type[Schema]) -> type[Schema]:
    """The same fields as `full`, none required. Types are kept: null is accepted only where the full
    schema accepts it, because a null in a non-null column would fail in the database, not here."""
    fields = {
        name: (info.rebuild_annotation(), Field(None, description=info.description))
        for name, info in full.model_fields.items()
    }
    model = create_model(full.__name__.replace("In", "Patch"), __base__=Schema, __module__=__name__, **fields)
    model.model_config["json_schema_extra"] = _drop_null_defaults
    model.model_rebuild(force=True)
    return model


InstitutionPatch = patch_schema(InstitutionIn)
ProgrammePatch = patch_schema(ProgrammeIn)
FacultyPatch = patch_schema(FacultyIn)
FacilityPatch = patch_schema(FacilityIn)
EnterprisePatch = patch_schema(EnterpriseIn)
AlliancePatch = patch_schema(AllianceIn)
ProjectPatch = patch_schema(ProjectIn)

