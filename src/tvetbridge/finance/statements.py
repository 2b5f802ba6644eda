"""Fund statements for a period, per fund or per party: XLSX (openpyxl) and PDF (WeasyPrint).

Both take the dictionary ``queries.statement`` returns, so the two files always agree.
"""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tvetbridge.core.cells import set_xlsx_value

MONEY_FORMAT = "#,##0.00;-#,##0.00"


def _title(data: dict) -> str:
    title = _("Statement of %(fund)s") % {"fund": data["fund"].name}
    if data.get("party") is not None:
        title += " · " + str(data["party"])
    return title


def statement_xlsx(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="E8EEF3")

    def header(ws, columns: list[tuple[str, int]], row: int) -> None:
        for i, (label, width) in enumerate(columns, start=1):
            cell = set_xlsx_value(ws.cell(row=row, column=i), label)
            cell.font, cell.fill = head_font, head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = ws.cell(row=row + 1, column=1)

    ws = wb.active
    ws.title = _("Balances")[:31]
    set_xlsx_value(ws["A1"], _title(data))
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = _("Period: %(start)s – %(end)s") % {"start": data["start"].isoformat(), "end": data["end"].isoformat()}
    ws["A3"] = _("Amounts in each account's currency. Generated %(when)s.") % {
        "when": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    header(ws, [(_("Account"), 22), (_("Name"), 34), (_("Kind"), 12), (_("Currency"), 9), (_("Opening balance"), 16),
                (_("Debits"), 16), (_("Credits"), 16), (_("Closing balance"), 16)], row=5)
    r = 6
    for row in data["accounts"]:
        values = [row["code"], row["name"], row["kind_label"], row["currency"], row["opening"],
                  row["period_debit"], row["period_credit"], row["balance"]]
        for c, value in enumerate(values, start=1):
            cell = set_xlsx_value(ws.cell(row=r, column=c), value)
            if c >= 5:
                cell.number_format = MONEY_FORMAT
        r += 1
    r += 1
    ws.cell(row=r, column=1, value=_("Trial balance (sum of all entries)")).font = head_font
    for currency, total in sorted(data["trial_balance"].items()):
        r += 1
        set_xlsx_value(ws.cell(row=r, column=1), currency)
        ws.cell(row=r, column=8, value=total).number_format = MONEY_FORMAT

    ws2 = wb.create_sheet(_("Entries")[:31])
    header(ws2, [(_("Date"), 12), (_("Transaction"), 12), (_("Kind"), 18), (_("Description"), 40), (_("Project"), 28),
                 (_("Account"), 22), (_("Currency"), 9), (_("Debit"), 16), (_("Credit"), 16)], row=1)
    for i, line in enumerate(data["lines"], start=2):
        values = [line["date"], line["transaction"], line["kind"], line["description"],
                  str(line["project"]) if line["project"] else "", line["account"].code, line["currency"],
                  line["debit"], line["credit"]]
        for c, value in enumerate(values, start=1):
            cell = set_xlsx_value(ws2.cell(row=i, column=c), value)
            if c == 1:
                cell.number_format = "yyyy-mm-dd"
            elif c >= 8:
                cell.number_format = MONEY_FORMAT
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def statement_pdf(data: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string("finance/statement_pdf.html", {
        **data, "title": _title(data), "language": get_language(),
        "generated": timezone.localtime().strftime("%Y-%m-%d %H:%M")})
    return HTML(string=html).write_pdf()
