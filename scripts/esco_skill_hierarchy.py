"""Extract ESCO v1.1.1's skill hierarchy into the file the programme comparison reads.

Usage: python scripts/esco_skill_hierarchy.py /work/shared/data/esco-v1.1.1 \
           src/tvetbridge/credentials/data/esco_skill_broader.tsv.gz

Writes one line per broader relation, ``B<TAB>concept<TAB>broader``, and one per skill group,
``G<TAB>group<TAB>English label``. Concepts are named by the tail of their URI without the
``skill/`` prefix, so a skill is named by its ``Skill.esco_id``.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
import zipfile
from pathlib import Path

PREFIX = "http://data.europa.eu/esco/"


def tail(uri: str) -> str:
    name = uri.removeprefix(PREFIX)
    return name.removeprefix("skill/")


def main(source: Path, out: Path) -> None:
    with zipfile.ZipFile(source / "esco-v1.1.1-relations-csv.zip") as z:
        relations = list(csv.DictReader(io.TextIOWrapper(z.open("broaderRelationsSkillPillar.csv"), "utf-8")))
    with zipfile.ZipFile(source / "esco-v1.1.1-classification-en-csv.zip") as z:
        groups = list(csv.DictReader(io.TextIOWrapper(z.open("skillGroups_en.csv"), "utf-8")))
    lines = sorted({f"B\t{tail(r['conceptUri'])}\t{tail(r['broaderUri'])}" for r in relations})
    lines += sorted(f"G\t{tail(g['conceptUri'])}\t{g['preferredLabel'].strip()}" for g in groups)
    # mtime 0: the same input gives the same bytes.
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as fh:
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
