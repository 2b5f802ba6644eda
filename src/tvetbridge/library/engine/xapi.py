# Over 500 lines: the xAPI data rules in the order of the specification's sections; split, the order would be lost.
"""xAPI statements: validation, normalisation and comparison (IEEE 9274.1.1-2023 "xAPI 2.0", and
xAPI 1.0.3 for older clients). Pure Python: no Django, so the rules can be tested and benchmarked
alone and shared by the HTTP resource, the bulk ingest and the platform's own pages.

Every rejection is a :class:`StatementError` naming the path of the offending property
(``statement[3].context.instructor.mbox``), which the LRS returns with status 400.

Rules that differ between the versions are switched by ``version`` (the major.minor of the client's
``X-Experience-API-Version`` header: ``"1.0"`` or ``"2.0"``): 2.0 adds ``contextAgents`` and
``contextGroups``, which a 1.0.3 statement must not carry.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, NoReturn, TypeGuard

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# An absolute IRI: a scheme (RFC 3986 §3.1), a colon and at least one character, no white space or
# characters IRIs exclude. Internationalised characters are allowed (RFC 3987).
IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
MBOX_RE = re.compile(r"^mailto:[^@\s:/]+@[^@\s]+$")
SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}$")
SHA2_RE = re.compile(r"^(?:[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})$")
MEDIA_TYPE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*(?:\s*;.*)?$")
VERSION_RE = re.compile(r"^(?:1\.0(?:\.\d+)?|2\.0(?:\.\d+)?)$")

# RFC 5646 language tags (well-formed, not checked against the registry).
_LANG_TAG = (
    r"(?:(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4}|[A-Za-z]{5,8})"  # language (+ extlang)
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|\d{3}))?"  # region
    r"(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*"  # variants
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"  # extensions
    r"(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?)"  # private use
    r"|[Xx](?:-[A-Za-z0-9]{1,8})+"  # private use only
    r"|(?:en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao"
    r"|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka"
    r"|zh-min|zh-min-nan|zh-xiang)"  # grandfathered
)
LANG_RE = re.compile(rf"^(?:{_LANG_TAG})$")

_TS_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$")
_DUR_NUM = r"(?:\d+(?:[.,]\d+)?)"
# ISO 8601:2004 §4.4.3.2: PnYnMnDTnHnMnS, or weeks alone (PnW), which do not combine with the rest.
_DURATION_RE = re.compile(
    rf"^P(?:(?!$)(?:{_DUR_NUM}Y)?(?:{_DUR_NUM}M)?(?:{_DUR_NUM}D)?"
    rf"(?:T(?=\d)(?:{_DUR_NUM}H)?(?:{_DUR_NUM}M)?(?:{_DUR_NUM}S)?)?|{_DUR_NUM}W)$")

INTERACTION_TYPES = {
    "true-false": (), "choice": ("choices",), "fill-in": (), "long-fill-in": (), "matching": ("source", "target"),
    "performance": ("steps",), "sequencing": ("choices",), "likert": ("scale",), "numeric": (), "other": (),
}
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")


class StatementError(ValueError):
    """A statement (or a query parameter holding an xAPI object) that breaks a rule of the spec."""

    def __init__(self, message: str, path: str = "") -> None:
        self.path = path
        self.detail = message
        super().__init__(f"{path}: {message}" if path else message)


# ------------------------------------------------------------------------------------------- scalars
def is_uuid(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(UUID_RE.match(value))


def is_iri(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(IRI_RE.match(value))


def parse_timestamp(value: Any) -> dt.datetime:
    """An ISO 8601 / RFC 3339 date-time as an aware UTC datetime. Without an offset the time is
    taken as UTC. RFC 3339's "unknown local offset" (-00:00) is refused, as xAPI requires."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    m = _TS_RE.match(value)
    if not m:
        raise ValueError("not an ISO 8601 date-time")
    year, month, day, hour, minute, second, frac, zulu, sign, oh, om = m.groups()
    if sign == "-" and oh == "00" and om == "00":
        raise ValueError("the offset -00:00 means an unknown local time")
    micro = int((frac or "0")[:6].ljust(6, "0"))
    offset = dt.timedelta(0)
    if sign:
        if int(oh) > 23 or int(om) > 59:
            raise ValueError("offset out of range")
        offset = dt.timedelta(hours=int(oh), minutes=int(om)) * (1 if sign == "+" else -1)
    second_i = int(second)
    leap = second_i == 60
    stamp = dt.datetime(int(year), int(month), int(day), int(hour), int(minute), 59 if leap else second_i,
                        micro, tzinfo=dt.timezone(offset))
    if leap:
        stamp += dt.timedelta(seconds=1)
    return stamp.astimezone(dt.UTC)


def format_timestamp(value: dt.datetime) -> str:
    """UTC with millisecond precision and a Z, the form the LRS writes into ``stored``."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_duration(value: Any) -> float:
    """An ISO 8601 duration in seconds (months as 30 days and years as 365, as xAPI's uses need
    nothing finer). Raises ValueError when malformed."""
    if not isinstance(value, str) or not _DURATION_RE.match(value):
        raise ValueError("not an ISO 8601 duration")
    text = value.replace(",", ".")
    date_part, _, time_part = text[1:].partition("T")
    units_date = {"Y": 365 * 86400, "M": 30 * 86400, "W": 7 * 86400, "D": 86400}
    units_time = {"H": 3600, "M": 60, "S": 1}
    total = 0.0
    for part, units in ((date_part, units_date), (time_part, units_time)):
        for number, unit in re.findall(r"(\d+(?:\.\d+)?)([YMWDHS])", part):
            total += float(number) * units[unit]
    return total


def duration_key(value: str) -> str:
    """A duration with its seconds truncated to 0.01 s: xAPI 2.0 compares durations at that
    precision (a client may send more digits than the LRS keeps)."""
    m = re.search(r"(\d+)[.,](\d+)S$", value)
    if not m:
        return value
    return value[: m.start()] + f"{m.group(1)}.{m.group(2)[:2].ljust(2, '0')}S"


# ---------------------------------------------------------------------------------------- validator
class _Checker:
    def __init__(self, version: str) -> None:
        self.version = version

    # ---- primitives
    @staticmethod
    def fail(path: str, message: str) -> NoReturn:
        raise StatementError(message, path)

    def obj(self, value: Any, path: str, allowed: Iterable[str], required: Iterable[str] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, "must be a JSON object")
        allowed = set(allowed)
        for key, item in value.items():
            if key not in allowed:
                self.fail(f"{path}.{key}", "is not a property of this object (properties are case-sensitive)")
            if item is None:
                self.fail(f"{path}.{key}", "must not be null")
        for key in required:
            if key not in value:
                self.fail(f"{path}.{key}", "is required")
        return value

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            self.fail(path, "must be a string")
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            self.fail(path, "must be true or false")
        return value

    def number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or not math.isfinite(value):
            self.fail(path, "must be a number")
        return float(value)

    def iri(self, value: Any, path: str) -> str:
        if not is_iri(value):
            self.fail(path, "must be an absolute IRI (with a scheme)")
        return value

    def uuid(self, value: Any, path: str) -> str:
        if not is_uuid(value):
            self.fail(path, "must be a UUID in its standard string form")
        return value

    def timestamp(self, value: Any, path: str) -> None:
        try:
            parse_timestamp(value)
        except (ValueError, OverflowError) as exc:
            self.fail(path, f"must be an ISO 8601 timestamp ({exc})")

    def language_map(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            self.fail(path, "must be a language map (an object of language tags to strings)")
        for tag, text in value.items():
            if not LANG_RE.match(tag):
                self.fail(f"{path}.{tag}", "is not an RFC 5646 language tag")
            if not isinstance(text, str):
                self.fail(f"{path}.{tag}", "must be a string")

    def extensions(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            self.fail(path, "must be an object whose keys are IRIs")
        for key in value:
            if not is_iri(key):
                self.fail(f"{path}.{key}", "extension keys must be absolute IRIs")

    # ---- actors
    def ifis(self, value: dict[str, Any], path: str) -> list[str]:
        present: list[str] = [k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in value]
        for key in present:
            item = value[key]
            if key == "mbox" and not (isinstance(item, str) and MBOX_RE.match(item)):
                self.fail(f"{path}.mbox", "must be a mailto: IRI with an e-mail address")
            elif key == "mbox_sha1sum" and not (isinstance(item, str) and SHA1_RE.match(item)):
                self.fail(f"{path}.mbox_sha1sum", "must be the hex SHA-1 of a mailto: IRI")
            elif key == "openid":
                self.iri(item, f"{path}.openid")
            elif key == "account":
                self.obj(item, f"{path}.account", ("homePage", "name"), ("homePage", "name"))
                self.iri(item["homePage"], f"{path}.account.homePage")
                self.string(item["name"], f"{path}.account.name")
        return present

    def agent(self, value: Any, path: str) -> None:
        self.obj(value, path, ("objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"))
        if "objectType" in value and value["objectType"] != "Agent":
            self.fail(f"{path}.objectType", "must be “Agent”")
        if "name" in value:
            self.string(value["name"], f"{path}.name")
        if len(self.ifis(value, path)) != 1:
            self.fail(path, "an Agent needs exactly one inverse functional identifier "
                            "(mbox, mbox_sha1sum, openid or account)")

    def group(self, value: Any, path: str) -> None:
        self.obj(value, path, ("objectType", "name", "member", "mbox", "mbox_sha1sum", "openid", "account"),
                 ("objectType",))
        if value["objectType"] != "Group":
            self.fail(f"{path}.objectType", "must be “Group”")
        if "name" in value:
            self.string(value["name"], f"{path}.name")
        n_ifi = len(self.ifis(value, path))
        if n_ifi > 1:
            self.fail(path, "a Group has at most one inverse functional identifier")
        if "member" in value:
            members = value["member"]
            if not isinstance(members, list):
                self.fail(f"{path}.member", "must be an array of Agents")
            for i, member in enumerate(members):
                if isinstance(member, dict) and member.get("objectType") == "Group":
                    self.fail(f"{path}.member[{i}]", "a Group's members must be Agents, not Groups")
                self.agent(member, f"{path}.member[{i}]")
        if n_ifi == 0 and not value.get("member"):
            self.fail(f"{path}.member", "an anonymous Group must list its members")

    def actor(self, value: Any, path: str) -> None:
        if isinstance(value, dict) and value.get("objectType") == "Group":
            self.group(value, path)
        else:
            self.agent(value, path)

    # ---- verb and objects
    def verb(self, value: Any, path: str) -> None:
        self.obj(value, path, ("id", "display"), ("id",))
        self.iri(value["id"], f"{path}.id")
        if "display" in value:
            self.language_map(value["display"], f"{path}.display")

    def components(self, value: Any, path: str) -> None:
        if not isinstance(value, list):
            self.fail(path, "must be an array of interaction components")
        seen = set()
        for i, comp in enumerate(value):
            self.obj(comp, f"{path}[{i}]", ("id", "description"), ("id",))
            cid = self.string(comp["id"], f"{path}[{i}].id")
            if not cid.strip():
                self.fail(f"{path}[{i}].id", "must not be empty")
            if cid in seen:
                self.fail(f"{path}[{i}].id", "interaction component ids must be distinct within a list")
            seen.add(cid)
            if "description" in comp:
                self.language_map(comp["description"], f"{path}[{i}].description")

    def definition(self, value: Any, path: str) -> None:
        self.obj(value, path, ("name", "description", "type", "moreInfo", "extensions", "interactionType",
                               "correctResponsesPattern", *COMPONENT_LISTS))
        for key in ("name", "description"):
            if key in value:
                self.language_map(value[key], f"{path}.{key}")
        if "type" in value:
            self.iri(value["type"], f"{path}.type")
        if "moreInfo" in value:
            self.iri(value["moreInfo"], f"{path}.moreInfo")
        if "extensions" in value:
            self.extensions(value["extensions"], f"{path}.extensions")
        itype = value.get("interactionType")
        if "interactionType" in value and (not isinstance(itype, str) or itype not in INTERACTION_TYPES):
            self.fail(f"{path}.interactionType", "must be one of " + ", ".join(INTERACTION_TYPES))
        if "correctResponsesPattern" in value:
            crp = value["correctResponsesPattern"]
            if not isinstance(crp, list) or not all(isinstance(x, str) for x in crp):
                self.fail(f"{path}.correctResponsesPattern", "must be an array of strings")
        for key in ("correctResponsesPattern", *COMPONENT_LISTS):
            if key in value and itype is None:
                self.fail(f"{path}.{key}", "is allowed only with an interactionType")
        for key in COMPONENT_LISTS:
            if key in value:
                if itype is None:
                    self.fail(f"{path}.{key}", "interaction components need an interactionType")
                self.components(value[key], f"{path}.{key}")

    def activity(self, value: Any, path: str) -> None:
        self.obj(value, path, ("objectType", "id", "definition"), ("id",))
        if "objectType" in value and value["objectType"] != "Activity":
            self.fail(f"{path}.objectType", "must be “Activity”")
        self.iri(value["id"], f"{path}.id")
        if "definition" in value:
            self.definition(value["definition"], f"{path}.definition")

    def statement_ref(self, value: Any, path: str) -> None:
        self.obj(value, path, ("objectType", "id"), ("objectType", "id"))
        if value["objectType"] != "StatementRef":
            self.fail(f"{path}.objectType", "must be “StatementRef”")
        self.uuid(value["id"], f"{path}.id")

    def object(self, value: Any, path: str, *, sub: bool) -> str:
        if not isinstance(value, dict):
            self.fail(path, "must be a JSON object")
        kind: str = value.get("objectType", "Activity")
        if kind == "Activity":
            self.activity(value, path)
        elif kind == "Agent":
            self.agent(value, path)
        elif kind == "Group":
            self.group(value, path)
        elif kind == "StatementRef":
            self.statement_ref(value, path)
        elif kind == "SubStatement":
            if sub:
                self.fail(f"{path}.objectType", "a SubStatement must not contain another SubStatement")
            self.statement(value, path, sub=True)
        else:
            self.fail(f"{path}.objectType", "must be Activity, Agent, Group, StatementRef or SubStatement")
        return kind

    # ---- result, context, attachments
    def result(self, value: Any, path: str) -> None:
        self.obj(value, path, ("score", "success", "completion", "response", "duration", "extensions"))
        if "score" in value:
            score = self.obj(value["score"], f"{path}.score", ("scaled", "raw", "min", "max"))
            nums = {k: self.number(v, f"{path}.score.{k}") for k, v in score.items()}
            if "scaled" in nums and not -1 <= nums["scaled"] <= 1:
                self.fail(f"{path}.score.scaled", "must be between -1 and 1")
            if "min" in nums and "max" in nums and nums["min"] > nums["max"]:
                self.fail(f"{path}.score.min", "must not exceed max")
            if "raw" in nums:
                if "min" in nums and nums["raw"] < nums["min"]:
                    self.fail(f"{path}.score.raw", "must not be below min")
                if "max" in nums and nums["raw"] > nums["max"]:
                    self.fail(f"{path}.score.raw", "must not exceed max")
        for key in ("success", "completion"):
            if key in value:
                self.boolean(value[key], f"{path}.{key}")
        if "response" in value:
            self.string(value["response"], f"{path}.response")
        if "duration" in value:
            try:
                parse_duration(value["duration"])
            except ValueError:
                self.fail(f"{path}.duration", "must be an ISO 8601 duration")
        if "extensions" in value:
            self.extensions(value["extensions"], f"{path}.extensions")

    def context_activities(self, value: Any, path: str) -> None:
        self.obj(value, path, ("parent", "grouping", "category", "other"))
        for key, item in value.items():
            items = item if isinstance(item, list) else [item]
            for i, act in enumerate(items):
                self.activity(act, f"{path}.{key}[{i}]" if isinstance(item, list) else f"{path}.{key}")

    def relevant_types(self, value: Any, path: str) -> None:
        if not isinstance(value, list) or not value:
            self.fail(path, "must be a non-empty array of IRIs")
        for i, item in enumerate(value):
            self.iri(item, f"{path}[{i}]")

    def context(self, value: Any, path: str, object_kind: str) -> None:
        keys = ["registration", "instructor", "team", "contextActivities", "revision", "platform", "language",
                "statement", "extensions"]
        if self.version >= "2.0":
            keys += ["contextAgents", "contextGroups"]
        self.obj(value, path, keys)
        if "registration" in value:
            self.uuid(value["registration"], f"{path}.registration")
        if "instructor" in value:
            self.actor(value["instructor"], f"{path}.instructor")
        if "team" in value:
            if not isinstance(value["team"], dict) or value["team"].get("objectType") != "Group":
                self.fail(f"{path}.team", "must be a Group")
            self.group(value["team"], f"{path}.team")
        if "contextActivities" in value:
            self.context_activities(value["contextActivities"], f"{path}.contextActivities")
        for key in ("revision", "platform"):
            if key in value:
                self.string(value[key], f"{path}.{key}")
                if object_kind != "Activity":
                    self.fail(f"{path}.{key}", "is allowed only when the statement's object is an Activity")
        if "language" in value:
            if not (isinstance(value["language"], str) and LANG_RE.match(value["language"])):
                self.fail(f"{path}.language", "must be an RFC 5646 language tag")
        if "statement" in value:
            self.statement_ref(value["statement"], f"{path}.statement")
        if "extensions" in value:
            self.extensions(value["extensions"], f"{path}.extensions")
        for key, inner, kind in (("contextAgents", "agent", "contextAgent"), ("contextGroups", "group", "contextGroup")):
            if key not in value:
                continue
            items = value[key]
            if not isinstance(items, list):
                self.fail(f"{path}.{key}", "must be an array")
            for i, item in enumerate(items):
                p = f"{path}.{key}[{i}]"
                self.obj(item, p, ("objectType", inner, "relevantTypes"), ("objectType", inner))
                if item["objectType"] != kind:
                    self.fail(f"{p}.objectType", f"must be “{kind}”")
                if inner == "agent":
                    self.agent(item["agent"], f"{p}.agent")
                else:
                    if not isinstance(item["group"], dict) or item["group"].get("objectType") != "Group":
                        self.fail(f"{p}.group", "must be a Group")
                    self.group(item["group"], f"{p}.group")
                if "relevantTypes" in item:
                    self.relevant_types(item["relevantTypes"], f"{p}.relevantTypes")

    def attachments(self, value: Any, path: str) -> None:
        if not isinstance(value, list):
            self.fail(path, "must be an array")
        for i, att in enumerate(value):
            p = f"{path}[{i}]"
            self.obj(att, p, ("usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"),
                     ("usageType", "display", "contentType", "length", "sha2"))
            self.iri(att["usageType"], f"{p}.usageType")
            self.language_map(att["display"], f"{p}.display")
            if "description" in att:
                self.language_map(att["description"], f"{p}.description")
            if not (isinstance(att["contentType"], str) and MEDIA_TYPE_RE.match(att["contentType"])):
                self.fail(f"{p}.contentType", "must be an Internet media type")
            length = att["length"]
            if isinstance(length, bool) or not isinstance(length, int) or length < 0:
                self.fail(f"{p}.length", "must be a non-negative integer")
            if not (isinstance(att["sha2"], str) and SHA2_RE.match(att["sha2"])):
                self.fail(f"{p}.sha2", "must be the hex SHA-2 of the attachment")
            if "fileUrl" in att:
                self.iri(att["fileUrl"], f"{p}.fileUrl")

    # ---- statement
    def statement(self, value: Any, path: str, *, sub: bool = False) -> None:
        top = ("id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
               "version", "attachments")
        if sub:
            self.obj(value, path, ("objectType", "actor", "verb", "object", "result", "context", "timestamp",
                                   "attachments"), ("actor", "verb", "object"))
        else:
            self.obj(value, path, top, ("actor", "verb", "object"))
        if "id" in value:
            self.uuid(value["id"], f"{path}.id")
        self.actor(value["actor"], f"{path}.actor")
        self.verb(value["verb"], f"{path}.verb")
        kind = self.object(value["object"], f"{path}.object", sub=sub)
        if value["verb"]["id"] == VOIDED and not sub and kind != "StatementRef":
            self.fail(f"{path}.object", "a voiding statement's object must be a StatementRef")
        if "result" in value:
            self.result(value["result"], f"{path}.result")
        if "context" in value:
            self.context(value["context"], f"{path}.context", kind)
        if "timestamp" in value:
            self.timestamp(value["timestamp"], f"{path}.timestamp")
        if "stored" in value:
            self.timestamp(value["stored"], f"{path}.stored")
        if "authority" in value:
            self.authority(value["authority"], f"{path}.authority")
        if "version" in value and not (isinstance(value["version"], str) and VERSION_RE.match(value["version"])):
            self.fail(f"{path}.version", "must be 1.0, 1.0.x or 2.0.x")
        if "attachments" in value:
            self.attachments(value["attachments"], f"{path}.attachments")

    def authority(self, value: Any, path: str) -> None:
        """An Agent, or (three-legged OAuth) an anonymous Group of exactly two Agents."""
        if isinstance(value, dict) and value.get("objectType") == "Group":
            self.group(value, path)
            if any(k in value for k in ("mbox", "mbox_sha1sum", "openid", "account")):
                self.fail(path, "an authority Group must be anonymous")
            if len(value.get("member", [])) != 2:
                self.fail(f"{path}.member", "an authority Group has exactly two Agents")
        else:
            self.agent(value, path)


def validate_statement(value: Any, *, version: str = "2.0", path: str = "statement") -> None:
    """Raise :class:`StatementError` unless ``value`` is a valid statement for clients of
    ``version`` (``"1.0"`` or ``"2.0"``)."""
    _Checker(version).statement(value, path)


def validate_agent(value: Any, *, path: str = "agent", group_ok: bool = True) -> None:
    """An Agent (or, where ``group_ok``, an identified or anonymous Group) given as a query parameter."""
    checker = _Checker("2.0")
    if group_ok:
        checker.actor(value, path)
    else:
        checker.agent(value, path)


def validate_document_agent(value: Any, *, path: str = "agent") -> None:
    """The agent parameter of the State and Agent Profile resources: an Agent (2.0 also lets an
    identified Group own documents)."""
    checker = _Checker("2.0")
    if isinstance(value, dict) and value.get("objectType") == "Group":
        checker.group(value, path)
        if not any(k in value for k in ("mbox", "mbox_sha1sum", "openid", "account")):
            checker.fail(path, "only an identified Group can own documents")
    else:
        checker.agent(value, path)


def validate_activity_id(value: Any, path: str = "activityId") -> None:
    if not is_iri(value):
        raise StatementError("must be an absolute IRI (with a scheme)", path)


# ------------------------------------------------------------------------------------ identities
def ifi(actor: Mapping[str, Any]) -> str | None:
    """The canonical inverse functional identifier of an Agent or identified Group, as one string
    (``mbox::mailto:a@b``), or None for an anonymous Group. Agents and identified Groups with the
    same identifier are the same for queries and documents."""
    if "mbox" in actor:
        return "mbox::" + str(actor["mbox"])
    if "mbox_sha1sum" in actor:
        return "mbox_sha1sum::" + str(actor["mbox_sha1sum"]).lower()
    if "openid" in actor:
        return "openid::" + str(actor["openid"])
    if "account" in actor:
        acc = actor["account"]
        return f"account::{acc['name']}@{acc['homePage']}"
    return None


def ifi_object(key: str) -> dict[str, Any]:
    """The Agent object an identifier string came from (the inverse of :func:`ifi`)."""
    kind, _, value = key.partition("::")
    if kind == "account":
        name, _, home = value.rpartition("@")
        return {"account": {"homePage": home, "name": name}}
    return {kind: value}


# ------------------------------------------------------------------------------------- preparing
def prepare(statement: dict[str, Any], *, stored: dt.datetime, authority: dict[str, Any], version: str) -> dict[str, Any]:
    """The statement as the LRS stores it: an id when it had none, ``stored`` and ``authority``
    set by the LRS, ``timestamp`` defaulting to ``stored``, and ``version`` defaulting to the
    client's. The caller has validated it. Returns a new dict; the input is not changed."""
    out = dict(statement)
    out["id"] = (out.get("id") or str(uuid.uuid4())).lower()
    stored_text = format_timestamp(stored)
    out["stored"] = stored_text
    out.setdefault("timestamp", stored_text)
    out["authority"] = authority
    out.setdefault("version", "2.0.0" if version >= "2.0" else "1.0.0")
    return out


_COMPARE_SKIP = ("id", "stored", "authority", "version", "timestamp")


def _compare_form(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _compare_form(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_compare_form(v) for v in value]
    if key == "duration" and isinstance(value, str):
        return duration_key(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def same_statement(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two statements with one id say the same thing: the properties the LRS sets (stored,
    authority, version) and the timestamp are left out, durations compare at 0.01 s and key order
    does not matter."""
    strip = {k: v for k, v in a.items() if k not in _COMPARE_SKIP}
    other = {k: v for k, v in b.items() if k not in _COMPARE_SKIP}
    return bool(_compare_form(strip) == _compare_form(other))


# ------------------------------------------------------------------------------------- formats
def _ids_actor(actor: dict[str, Any]) -> dict[str, Any]:
    keep = ("objectType", "mbox", "mbox_sha1sum", "openid", "account")
    out = {k: actor[k] for k in keep if k in actor}
    if actor.get("objectType") == "Group" and ifi(actor) is None:
        out["member"] = [_ids_actor(m) for m in actor.get("member", [])]
    return out


def _ids_object(obj: dict[str, Any]) -> dict[str, Any]:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return {"id": obj["id"]}
    if kind in ("Agent", "Group"):
        return _ids_actor(obj)
    if kind == "SubStatement":
        return _ids_statement(obj)
    return obj


def _ids_context(ctx: dict[str, Any]) -> dict[str, Any]:
    out = dict(ctx)
    if "instructor" in out:
        out["instructor"] = _ids_actor(out["instructor"])
    if "team" in out:
        out["team"] = _ids_actor(out["team"])
    if "contextActivities" in out:
        out["contextActivities"] = {k: [_ids_object(a) for a in v] for k, v in out["contextActivities"].items()}
    if "contextAgents" in out:
        out["contextAgents"] = [{**c, "agent": _ids_actor(c["agent"])} for c in out["contextAgents"]]
    if "contextGroups" in out:
        out["contextGroups"] = [{**c, "group": _ids_actor(c["group"])} for c in out["contextGroups"]]
    return out


def _ids_statement(st: dict[str, Any]) -> dict[str, Any]:
    out = dict(st)
    out["actor"] = _ids_actor(st["actor"])
    out["verb"] = {"id": st["verb"]["id"]}
    out["object"] = _ids_object(st["object"])
    if "authority" in out:
        out["authority"] = _ids_actor(out["authority"])
    if "context" in out:
        out["context"] = _ids_context(out["context"])
    return out


def _pick(lmap: dict[str, Any], languages: list[str]) -> dict[str, Any]:
    if not lmap:
        return lmap
    lower = {k.lower(): k for k in lmap}
    for lang in languages:
        lang = lang.lower()
        if lang in lower:
            return {lower[lang]: lmap[lower[lang]]}
        for low, key in lower.items():
            if low.split("-")[0] == lang.split("-")[0]:
                return {key: lmap[key]}
    first = next(iter(lmap))
    return {first: lmap[first]}


_LANG_MAP_KEYS = {"display", "name", "description"}


def _canonical(value: Any, languages: list[str], key: str = "") -> Any:
    if isinstance(value, dict):
        if key in _LANG_MAP_KEYS and all(isinstance(v, str) for v in value.values()):
            return _pick(value, languages)
        return {k: (v if k == "extensions" else _canonical(v, languages, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v, languages) for v in value]
    return value


def render(statement: dict[str, Any], fmt: str, languages: list[str] | None = None) -> dict[str, Any]:
    """The statement in a query's ``format``: ``exact`` as stored, ``ids`` with Agents, Groups,
    Activities and Verbs reduced to their identifiers, ``canonical`` with each language map reduced to
    the reader's best language (``languages`` from Accept-Language)."""
    if fmt == "ids":
        return _ids_statement(statement)
    if fmt == "canonical":
        canonical: dict[str, Any] = _canonical(statement, languages or [])
        return canonical
    return statement


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


# --------------------------------------------------------------------------- indexable properties
def agents_of(statement: dict[str, Any]) -> list[tuple[str, bool]]:
    """(identifier, direct) for every Agent or identified Group the statement relates to. Direct means
    actor or object (the ``agent`` filter); the rest (authority, instructor, team, context agents and
    groups, group members, and the same inside a SubStatement) count only for ``related_agents``."""
    found: dict[str, bool] = {}

    def add(actor: Any, direct: bool) -> None:
        if not isinstance(actor, dict):
            return
        key = ifi(actor)
        if key is not None:
            found[key] = found.get(key, False) or direct
        for member in actor.get("member", []) or []:
            add(member, False)

    def walk(st: dict[str, Any], top: bool) -> None:
        add(st.get("actor"), top)
        obj = st.get("object") or {}
        kind = obj.get("objectType", "Activity")
        if kind in ("Agent", "Group"):
            add(obj, top)
        elif kind == "SubStatement" and top:
            walk(obj, False)
        ctx = st.get("context") or {}
        add(ctx.get("instructor"), False)
        add(ctx.get("team"), False)
        for item in ctx.get("contextAgents", []) or []:
            add(item.get("agent"), False)
        for item in ctx.get("contextGroups", []) or []:
            add(item.get("group"), False)
        if top:
            add(st.get("authority"), False)

    walk(statement, True)
    return list(found.items())


def activities_of(statement: dict[str, Any]) -> list[tuple[str, bool]]:
    """(activity id, direct) for every Activity the statement names: the object directly; context
    activities and those of a SubStatement for ``related_activities``."""
    found: dict[str, bool] = {}

    def walk(st: dict[str, Any], top: bool) -> None:
        obj = st.get("object") or {}
        kind = obj.get("objectType", "Activity")
        if kind == "Activity" and "id" in obj:
            found[obj["id"]] = found.get(obj["id"], False) or top
        elif kind == "SubStatement" and top:
            walk(obj, False)
        ctx_acts = (st.get("context") or {}).get("contextActivities") or {}
        for item in ctx_acts.values():
            for act in item if isinstance(item, list) else [item]:
                if isinstance(act, dict) and "id" in act:
                    found.setdefault(act["id"], False)

    walk(statement, True)
    return list(found.items())


def activity_definitions(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Activity object in the statement (object, context activities, SubStatement's), for the
    Activities resource's canonical definitions."""
    out: list[dict[str, Any]] = []

    def walk(st: dict[str, Any]) -> None:
        obj = st.get("object") or {}
        kind = obj.get("objectType", "Activity")
        if kind == "Activity":
            out.append(obj)
        elif kind == "SubStatement":
            walk(obj)
        ctx_acts = (st.get("context") or {}).get("contextActivities") or {}
        for item in ctx_acts.values():
            out.extend(item if isinstance(item, list) else [item])

    walk(statement)
    return out


def normalise_context_activities(statement: dict[str, Any]) -> dict[str, Any]:
    """Context activities given as a single object become one-element arrays, as the spec asks the
    LRS to store them (in the statement and its SubStatement)."""
    def fix(st: dict[str, Any]) -> dict[str, Any]:
        ctx = st.get("context")
        if isinstance(ctx, dict) and isinstance(ctx.get("contextActivities"), dict):
            ca = {k: (v if isinstance(v, list) else [v]) for k, v in ctx["contextActivities"].items()}
            st = {**st, "context": {**ctx, "contextActivities": ca}}
        obj = st.get("object")
        if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
            st = {**st, "object": fix(obj)}
        return st

    return fix(statement)


def merge_definition(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any]:
    """The canonical definition of an activity after one more statement: language maps are merged
    (the newer text wins per language), other properties are replaced by the newer ones."""
    if not old:
        return dict(new or {})
    if not new:
        return dict(old)
    out = dict(old)
    for key, value in new.items():
        if key in ("name", "description") and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        elif key == "extensions" and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out
