"""multipart/mixed bodies as xAPI uses them (RFC 2046 §5.1; xAPI Communication 1.5.2): the first
part holds the statement(s) as JSON, each further part one attachment's raw content with its
``X-Experience-API-Hash``. Parsing is strict, as the spec asks: a body whose delimiters or part
headers are missing is refused, not guessed at.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


class MultipartError(ValueError):
    pass


@dataclass
class Part:
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a multipart Content-Type header, unquoted."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary":
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            if value:
                return value
    raise MultipartError("the multipart Content-Type names no boundary")


def parse(body: bytes, content_type: str, *, max_parts: int = 1000) -> list[Part]:
    """The parts of a multipart body, in order. The preamble and epilogue are ignored."""
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    # A delimiter is a line of its own: at the very start of the body or after CRLF.
    text = b"\r\n" + body
    pieces = text.split(b"\r\n" + delimiter)
    if len(pieces) < 3:
        raise MultipartError("the body has no complete part between boundary delimiters")
    parts: list[Part] = []
    closed = False
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            closed = True
            break
        if len(parts) >= max_parts:
            raise MultipartError(f"more than {max_parts} parts")
        # the rest of the delimiter line (transport padding) ends at the first CRLF
        line_end = piece.find(b"\r\n")
        if line_end < 0 or piece[:line_end].strip(b" \t"):
            raise MultipartError("a boundary delimiter is followed by text on its line")
        piece = piece[line_end + 2:]
        head_end = piece.find(b"\r\n\r\n")
        if piece.startswith(b"\r\n"):
            head, content = b"", piece[2:]
        elif head_end < 0:
            raise MultipartError("a part has no blank line after its headers")
        else:
            head, content = piece[:head_end], piece[head_end + 4:]
        headers: dict[str, str] = {}
        for line in head.split(b"\r\n"):
            if not line:
                continue
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep or not name.strip():
                raise MultipartError(f"malformed part header line {line[:60]!r}")
            headers[name.strip().lower()] = value.strip()
        parts.append(Part(headers, content))
    if not closed:
        raise MultipartError("the body does not end with the closing boundary delimiter")
    return parts


def sha2_hex(content: bytes, like: str) -> str:
    """The SHA-2 of ``content`` in the variant the declared hash ``like`` uses (by its length)."""
    algo = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}.get(
        len(like), hashlib.sha256)
    return algo(content).hexdigest()


def build(parts: list[tuple[dict[str, str], bytes]], boundary: str) -> bytes:
    """A multipart/mixed body from (headers, content) pairs."""
    out = []
    for headers, content in parts:
        out.append(b"--" + boundary.encode("latin-1") + b"\r\n")
        for name, value in headers.items():
            out.append(f"{name}: {value}\r\n".encode("latin-1"))
        out.append(b"\r\n")
        out.append(content)
        out.append(b"\r\n")
    out.append(b"--" + boundary.encode("latin-1") + b"--\r\n")
    return b"".join(out)
