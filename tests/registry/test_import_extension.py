"""Another kind of record imported through the registry importer's public hooks, as demand.io does."""

from __future__ import annotations

from tvetbridge.registry import io
from tvetbridge.registry.io.columns import SPECS, CellError, Column, Spec, cell_text
from tvetbridge.registry.models import Enterprise

# Enterprises whose website column holds a bare domain, a column type the registry does not know.
SPEC = Spec("sites", Enterprise, [
    *(c for c in SPECS["enterprises"].columns if c.key != "website"),
    Column("website", "website", "domain"),
])


class SiteImporter(io.Importer):
    def parse_cell(self, column, raw):
        if column.type != "domain":
            return super().parse_cell(column, raw)
        text = cell_text(raw)
        if " " in text:
            raise CellError(f"“{text}” is not a domain.")
        return f"https://{text}" if text else ""

    def check_rows(self, rows):
        for row in rows:
            if row.values.get("chinese_funded") and not row.values.get("website") and "website" not in row.bad:
                self.error(row, "website", "A Chinese-funded enterprise needs its website.")


HEADER = "external_key,name_en,country,sector,chinese_funded,website\n"


def run(user, body: str, **kwargs):
    return io.run_import(SiteImporter, user, SPEC, (HEADER + body).encode(), "sites.csv", **kwargs)


def test_hooks_report_row_and_column_and_nothing_is_written(world, users):
    before = (Enterprise.objects.count(), Enterprise.history.count())
    result = run(users["coordinator"], "ent-a,Alpha,KZ,C,yes,alpha.example.kz\n"
                                       "ent-b,Beta,KZ,C,yes,\n"
                                       "ent-c,Gamma,KZ,C,no,bad domain\n")
    assert not result.ok and not result.committed
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert set(messages) == {(3, "website"), (4, "website")}
    assert "needs its website" in messages[(3, "website")]
    assert "bad domain" in messages[(4, "website")]
    assert result.counts == {"create": 1, "update": 0, "unchanged": 0, "error": 2}
    assert (Enterprise.objects.count(), Enterprise.history.count()) == before


def test_custom_column_previews_writes_once_and_reimports_unchanged(world, users):
    body = "ent-a,Alpha,KZ,C,yes,alpha.example.kz\nent-c,Gamma,KZ,C,no,\n"
    preview = run(users["coordinator"], body, dry_run=True)
    assert preview.ok and not preview.committed and preview.counts["create"] == 2
    assert not Enterprise.objects.filter(external_key="ent-a").exists()

    result = run(users["coordinator"], body)
    assert result.committed and result.kind == "sites"
    assert Enterprise.objects.get(external_key="ent-a").website == "https://alpha.example.kz"
    audit_rows = Enterprise.history.count()

    again = run(users["coordinator"], body)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 2, "error": 0}
    assert Enterprise.history.count() == audit_rows
