"""A DCAT-AP catalogue (JSON-LD) of the public downloads, for national portals to harvest."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "xml": "application/xml",
}
# EU publications office file-type vocabulary, which DCAT-AP uses for dct:format
FILE_TYPES = {"csv": "CSV", "xlsx": "XLSX", "json": "JSON", "xml": "XML"}
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _lang_map(texts: Mapping[str, str]) -> list[dict]:
    return [{"@value": text, "@language": lang} for lang, text in texts.items() if text]


def catalogue(*, url: str, title: Mapping[str, str], publisher: str, homepage: str,
              datasets: Sequence[Mapping]) -> dict:
    """``datasets``: dicts with url, identifier, title/description (language -> text), modified (ISO
    date), version, licence (URL) and distributions [(format, download URL)]."""
    return {
        "@context": CONTEXT,
        "@id": url,
        "@type": "dcat:Catalog",
        "dct:title": _lang_map(title),
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": publisher},
        "foaf:homepage": {"@id": homepage},
        "dcat:dataset": [{
            "@id": d["url"],
            "@type": "dcat:Dataset",
            "dct:identifier": d["identifier"],
            "dct:title": _lang_map(d["title"]),
            "dct:description": _lang_map(d["description"]),
            "dct:modified": {"@value": d["modified"], "@type": "xsd:date"},
            "dcat:version": d["version"],
            "dcat:distribution": [{
                "@id": f"{download}#distribution",
                "@type": "dcat:Distribution",
                "dcat:downloadURL": {"@id": download},
                "dcat:accessURL": {"@id": download},
                "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{MEDIA_TYPES[fmt]}"},
                "dct:format": {"@id": f"http://publications.europa.eu/resource/authority/file-type/{FILE_TYPES[fmt]}"},
                "dct:license": {"@id": d["licence"]},
            } for fmt, download in d["distributions"]],
        } for d in datasets],
    }
