"""HTML to PDF with WeasyPrint, shared by every app that prints (reports, credential certificates)."""

from __future__ import annotations

import functools
import gc
import threading

from django.conf import settings

# Documents typeset one at a time: they share the font configuration below, whose Pango font map is
# not thread-safe, and gc.freeze() acts on the whole process.
_TYPESETTING = threading.Lock()


@functools.cache
def _font_config():
    """One font configuration for the process: a fresh one reads the system's fonts again and loses
    Pango's cache of loaded fonts (some 10 ms a report)."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    with _TYPESETTING:
        # WeasyPrint makes hundreds of thousands of short-lived boxes; each full collection they trigger
        # would also walk every object the web process already holds (a third of the typesetting time in
        # benchmarks/report_pdf.py). Frozen objects are skipped; new garbage is still collected.
        gc.freeze()
        try:
            return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=_font_config())
        finally:
            gc.unfreeze()
