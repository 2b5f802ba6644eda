"""Build the compact ESCO package data from the official ESCO v1.1.1 CSV zips.

Usage::

    python -m tvetbridge.taxonomy.io.esco_build /path/to/esco-v1.1.1 OUT_DIR

The running platform never reads the zips: it reads the gzip'd CSVs this script writes (see
``esco_data.py``). URIs are shortened to their UUID tail (the prefix is constant per concept type), and
relations refer to occupations and skills by that id, which keeps the data a few MB while staying
reversible to the official URI.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

OCC_PREFIX = "http://data.europa.eu/esco/occupation/"
SKILL_PREFIX = "http://data.europa.eu/esco/skill/"
# Descriptions are shown as help text and feed the coder's index; the first few sentences carry the
# meaning, the tail is mostly enumerations, so they are trimmed to keep the package small.
OCC_DESC_CHARS = 600
SKILL_DESC_CHARS = 300


def _short(uri: str, prefix: str) -> str:
    if not uri.startswith(prefix):
        raise ValueError(f"unexpected URI {uri!r} (expected prefix {prefix})")
    return uri[len(prefix):]


def _trim(text: str, n: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= n:
        return text
    cut = text[:n]
    dot = cut.rfind(". ")
    return cut[: dot + 1] if dot > n // 2 else cut.rstrip() + "…"


def _labels(cell: str) -> str:
    # ESCO separates alternative labels by newlines; "|" never occurs in labels, so it is a safe joiner.
    parts = [p.strip() for p in (cell or "").splitlines() if p.strip()]
    if any("|" in p for p in parts):
        raise ValueError(f"label contains '|': {parts}")
    return "|".join(parts)


def _read(zf: zipfile.ZipFile, name: str):
    with zf.open(name) as fh:
        yield from csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8", newline=""))


def _write(path: Path, header: list[str], rows) -> int:
    n = 0
    # mtime=0 keeps the bytes reproducible, so rebuilding does not produce a spurious git diff.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
        text = io.TextIOWrapper(gz, encoding="utf-8", newline="")
        w = csv.writer(text, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(r)
            n += 1
        text.flush()
        text.detach()
    return n


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def build(src: Path, out: Path) -> dict[str, int]:
    src, out = Path(src), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cls_zip = src / "esco-v1.1.1-classification-en-csv.zip"
    rel_zip = src / "esco-v1.1.1-relations-csv.zip"
    for p in (cls_zip, rel_zip):
        if not p.is_file():
            raise FileNotFoundError(f"missing ESCO file: {p}")
    counts: dict[str, int] = {}
    with zipfile.ZipFile(cls_zip) as zf:
        occ_rows = sorted(
            (
                (
                    _short(r["conceptUri"], OCC_PREFIX),
                    r["code"],
                    r["iscoGroup"],
                    r["preferredLabel"].strip(),
                    _labels(r["altLabels"]),
                    _trim(r["description"], OCC_DESC_CHARS),
                )
                for r in _read(zf, "occupations_en.csv")
                if r["status"] == "released"
            ),
            key=lambda t: t[1],
        )
        counts["occupations"] = _write(
            out / "esco_occupations.csv.gz",
            ["id", "code", "isco", "label", "alt_labels", "description"],
            occ_rows,
        )
        skill_rows = sorted(
            (
                (
                    _short(r["conceptUri"], SKILL_PREFIX),
                    r["preferredLabel"].strip(),
                    _labels(r["altLabels"]),
                    {"skill/competence": "S", "knowledge": "K"}.get(r["skillType"], ""),
                    r["reuseLevel"],
                    _trim(r["description"], SKILL_DESC_CHARS),
                )
                for r in _read(zf, "skills_en.csv")
                if r["status"] == "released"
            ),
            key=lambda t: t[1],
        )
        counts["skills"] = _write(
            out / "esco_skills.csv.gz",
            ["id", "label", "alt_labels", "type", "reuse", "description"],
            skill_rows,
        )
        isco_rows = sorted(
            (r["code"], r["preferredLabel"].strip()) for r in _read(zf, "ISCOGroups_en.csv")
        )
        counts["isco_groups"] = _write(out / "isco08_groups.csv.gz", ["code", "label"], isco_rows)
    occ_ids = {r[0] for r in occ_rows}
    skill_ids = {r[0] for r in skill_rows}
    with zipfile.ZipFile(rel_zip) as zf:
        rel_rows = sorted(
            {
                (
                    _short(r["occupationUri"], OCC_PREFIX),
                    _short(r["skillUri"], SKILL_PREFIX),
                    "E" if r["relationType"] == "essential" else "O",
                )
                for r in _read(zf, "occupationSkillRelations.csv")
            }
        )
        # Links to non-released concepts would dangle in the package; drop them and count them.
        kept = [r for r in rel_rows if r[0] in occ_ids and r[1] in skill_ids]
        counts["relations_dropped"] = len(rel_rows) - len(kept)
        counts["relations"] = _write(out / "esco_relations.csv.gz", ["occupation", "skill", "type"], kept)
    counts["md5_classification_zip"] = _md5(cls_zip)  # type: ignore[assignment]
    counts["md5_relations_zip"] = _md5(rel_zip)  # type: ignore[assignment]
    return counts


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    counts = build(Path(argv[0]), Path(argv[1]))
    for k, v in counts.items():
        print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
