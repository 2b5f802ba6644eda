"""The HTTP side of the LRS: reading a request (headers, parameters, bounded body, the 1.0.3
alternate request syntax, client authentication) and writing xAPI responses and errors.

The xAPI resources are plain Django views rather than django-ninja routes: the spec fixes status
codes, header names, multipart bodies and parameter rules (an unknown parameter is a 400) that a
schema-first framework would fight.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpResponse

from tvetbridge.library.engine.xapi import StatementError

CLIENT_VERSION_RE = re.compile(r"^(1\.0|2\.0)(?:\.\d+)?$")
# Headers a 1.0.3 client may send as form fields in the alternate request syntax.
FORM_HEADERS = {"authorization", "x-experience-api-version", "content-type", "content-length", "if-match",
                "if-none-match"}


class XapiError(Exception):
    """An error the LRS answers with ``status`` and a JSON message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def bad_request(exc: StatementError | str) -> XapiError:
    return XapiError(400, str(exc))


def max_body() -> int:
    return int(getattr(settings, "LRS_MAX_BODY_BYTES", 16 * 1024 * 1024))


@dataclass
class XapiRequest:
    method: str
    params: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    version: str = "2.0"  # major.minor of X-Experience-API-Version
    alternate: bool = False
    client: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    @property
    def response_version(self) -> str:
        return "2.0.0" if self.version == "2.0" else "1.0.3"

    def languages(self) -> list[str]:
        raw = self.headers.get("accept-language", "")
        langs = []
        for item in raw.split(","):
            tag, _, q = item.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            if tag and tag != "*" and weight > 0:
                langs.append((weight, tag))
        return [tag for _, tag in sorted(langs, key=lambda t: -t[0])]

    def json_body(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"), parse_float=float)
        except (UnicodeDecodeError, ValueError) as exc:
            raise XapiError(400, f"The body is not valid UTF-8 JSON: {exc}") from exc


def _read_body(request) -> bytes:
    limit = max_body()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError as exc:
        raise XapiError(400, "Content-Length is not a number") from exc
    if declared > limit:
        raise XapiError(413, f"The request body is larger than this LRS accepts ({limit} bytes).")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise XapiError(413, f"The request body is larger than this LRS accepts ({limit} bytes).")
    return body


def parse_request(request) -> XapiRequest:
    """The request as the resources see it; raises :class:`XapiError` for a malformed one."""
    headers = {key[5:].replace("_", "-").lower(): value for key, value in request.META.items()
               if key.startswith("HTTP_")}
    if request.META.get("CONTENT_TYPE"):
        headers["content-type"] = request.META["CONTENT_TYPE"]
    params = {key: request.GET[key] for key in request.GET}
    method = request.method.upper()
    body = _read_body(request) if method in ("PUT", "POST") else b""
    alternate = "method" in params
    if alternate:
        if method != "POST":
            raise XapiError(400, "The alternate request syntax must be sent as POST.")
        if set(params) != {"method"}:
            raise XapiError(400, "With the alternate request syntax, every parameter except method goes in the form.")
        if headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            raise XapiError(400, "The alternate request syntax needs an application/x-www-form-urlencoded body.")
        method = params.pop("method").upper()
        if method not in ("GET", "PUT", "POST", "DELETE", "HEAD"):
            raise XapiError(400, f"Unknown method {method!r} in the alternate request syntax.")
        try:
            form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
        except (UnicodeDecodeError, ValueError) as exc:
            raise XapiError(400, "The form body is not valid application/x-www-form-urlencoded UTF-8.") from exc
        headers.pop("content-type", None)
        body = b""
        for name, values in form.items():
            value = values[-1]
            low = name.lower()
            if low in FORM_HEADERS:
                headers[low] = value
            elif name == "content":
                body = value.encode("utf-8")
            else:
                params[name] = value
        if method in ("PUT", "POST") and "content" not in form:
            raise XapiError(400, "The alternate request syntax sends the document in a form field named content.")
        if method in ("PUT", "POST") and "content-type" not in headers:
            headers["content-type"] = "application/json"
    return XapiRequest(method=method, params=params, headers=headers, body=body, alternate=alternate)


def check_version(xreq: XapiRequest, *, required: bool = True) -> None:
    raw = xreq.headers.get("x-experience-api-version")
    if raw is None:
        if xreq.client is not None:
            # the error is answered in the version the client is registered to speak
            xreq.version = xreq.client.xapi_version
        if required:
            raise XapiError(400, "The X-Experience-API-Version header is required.")
        return
    m = CLIENT_VERSION_RE.match(raw.strip())
    if not m:
        raise XapiError(400, f"This LRS speaks xAPI 1.0.x and 2.0.x, not {raw!r}.")
    xreq.version = m.group(1)
    if xreq.alternate and xreq.version == "2.0":
        raise XapiError(400, "xAPI 2.0 has no alternate request syntax; send the method itself.")


def basic_credentials(xreq: XapiRequest) -> tuple[str, str] | None:
    raw = xreq.headers.get("authorization", "")
    scheme, _, token = raw.partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        return None
    try:
        user, sep, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return (user, password) if sep else None


def unauthorised(message: str = "Send this LRS client's key and secret as HTTP basic authentication.") -> XapiError:
    return XapiError(401, message, {"WWW-Authenticate": 'Basic realm="xAPI", charset="UTF-8"'})


def respond(content: bytes | str | Any = b"", *, status: int = 200, xreq: XapiRequest | None = None,
            content_type: str = "application/json", headers: dict[str, str] | None = None) -> HttpResponse:
    if not isinstance(content, (bytes, str)):
        content = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    if isinstance(content, str):
        content = content.encode("utf-8")
        if content_type == "application/json":
            content_type = "application/json; charset=utf-8"
    response = HttpResponse(content if status != 204 else b"", status=status,
                            content_type=content_type if status != 204 else None)
    if status == 204:
        del response["Content-Type"]
    response["X-Experience-API-Version"] = xreq.response_version if xreq else "2.0.0"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(exc: XapiError, xreq: XapiRequest | None) -> HttpResponse:
    return respond({"error": {"code": exc.status, "message": exc.message}}, status=exc.status, xreq=xreq,
                   headers=exc.headers)
