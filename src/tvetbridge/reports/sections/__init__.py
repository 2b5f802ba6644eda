"""Report sections. A report is a list of sections; each section collects a JSON snapshot of its data
(what the content hash covers), draws its charts from that snapshot, and renders with its template.

To add a section: subclass ``Section``, set ``key``, ``title``, ``template``, implement ``collect``
(and ``charts`` if it has any), and register it in ``SECTIONS`` under the report kinds it belongs
to. Tables put in ``data["tables"]`` are exported as CSV/XLSX automatically. ``for_print`` may give
the PDF a more compact view of the same data (top rows, folded columns, a pivot) as long as the PDF
names the export holding whatever it leaves out: WeasyPrint's time grows with every table cell.
"""

from __future__ import annotations

from .base import PRINT_TOP_ROWS, Context, Scope, Section, resolve_scope
from .governance import Governance
from .language import LanguageGain
from .results import CountryStatistics, Outcomes, ResultsProjects, ResultsReported
from .risk import Method, RiskDimensions, RiskEvents, RiskExposure, RiskSummary, RiskTrend

SECTIONS: dict[str, list[Section]] = {
    "risk": [RiskSummary(), RiskDimensions(), RiskTrend(), RiskEvents(), RiskExposure(), Method()],
    "results": [ResultsProjects(), ResultsReported(), CountryStatistics(), Outcomes(), LanguageGain(),
                Governance()],
}


def sections_for(kind: str) -> list[Section]:
    return [s for s in SECTIONS[kind] if s.available()]


__all__ = ["PRINT_TOP_ROWS", "SECTIONS", "Context", "CountryStatistics", "ResultsProjects", "RiskTrend", "Scope",
           "Section", "resolve_scope", "sections_for"]
