"""Sections that apps above outcomes add to the results-chain pages (project, country, alliance).

Outcomes sits below them in the layers and never imports them: an app registers a function in its
``AppConfig.ready`` that returns the section's context (with the ``template`` to render it) for the
projects of a page, or None when it has nothing to say about them.
"""

from __future__ import annotations

from collections.abc import Callable

ChainPanel = Callable[..., dict | None]
_PANELS: list[ChainPanel] = []


def register_chain_panel(panel: ChainPanel) -> ChainPanel:
    if panel not in _PANELS:
        _PANELS.append(panel)
    return panel


def chain_panels(projects, *, public: bool) -> list[dict]:
    """Each registered section's context for ``projects`` (``public``: small counts withheld)."""
    return [ctx for ctx in (panel(projects, public=public) for panel in _PANELS) if ctx is not None]
