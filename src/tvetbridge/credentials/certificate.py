"""The printable certificate of an issued credential: a PDF in the reader's language whose QR code
opens the public verification page of that very credential."""

from __future__ import annotations

import base64
import io

import segno
from django.template.loader import render_to_string

from tvetbridge.core.pdf import render_pdf

from . import issuing
from .models import IssuedCredential


def qr_svg_data_uri(url: str) -> str:
    qr = segno.make(url, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=4, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def certificate_pdf(issued: IssuedCredential) -> bytes:
    url = issuing.verify_url(issued.uuid)
    html = render_to_string("credentials/certificate.html", {
        "issued": issued, "ctype": issued.credential_type, "award": issued.award,
        "institution": issued.issuer.institution, "levels": issued.credential_type.levels.select_related("framework")
        if issued.credential_type_id else [], "verify_url": url, "qr": qr_svg_data_uri(url),
        "proof": (issued.document.get("proof") or [{}])[0] if isinstance(issued.document.get("proof"), list)
        else issued.document.get("proof") or {}})
    return render_pdf(html)
