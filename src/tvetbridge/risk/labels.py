"""Translatable labels of INFORM's levels and of the risk classes (the engine uses English keys)."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

INFORM_LABELS = {
    "INFORM RISK": _("INFORM risk"),
    "HAZARD & EXPOSURE": _("Hazard & exposure"),
    "VULNERABILITY": _("Vulnerability"),
    "LACK OF COPING CAPACITY": _("Lack of coping capacity"),
    "Natural": _("Natural hazards"),
    "Human": _("Human hazards (conflict)"),
    "Socio-Economic Vulnerability": _("Socio-economic vulnerability"),
    "Vulnerable Groups": _("Vulnerable groups"),
    "Other Vulnerable Groups": _("Other vulnerable groups"),
    "Institutional": _("Institutional capacity"),
    "Infrastructure": _("Infrastructure"),
    "Earthquake": _("Earthquake"),
    "Flood": _("Flood"),
    "Tsunami": _("Tsunami"),
    "Tropical Cyclone": _("Tropical cyclone"),
    "Drought": _("Drought"),
    "Epidemic": _("Epidemic"),
    "Projected Conflict Risk": _("Projected conflict risk"),
    "Current Highly Violent Conflict Intensity": _("Current highly violent conflict intensity"),
    "Development & Deprivation": _("Development & deprivation"),
    "Inequality": _("Inequality"),
    "Economic Dependency": _("Economic dependency"),
    "Uprooted people": _("Uprooted people"),
    "Health Conditions": _("Health conditions"),
    "Children U5": _("Children under 5"),
    "Recent Shocks": _("Recent shocks"),
    "Food Security": _("Food security"),
    "DRR": _("Disaster risk reduction"),
    "Governance": _("Governance"),
    "Communication": _("Communication"),
    "Physical infrastructure": _("Physical infrastructure"),
    "Access to health care": _("Access to health care"),
    "Events": _("Recent events"),
}

CLASS_LABELS = {
    "Very Low": _("Very low"),
    "Low": _("Low"),
    "Medium": _("Medium"),
    "High": _("High"),
    "Very High": _("Very high"),
}

CLASS_CSS = {"Very Low": "vlow", "Low": "low", "Medium": "medium", "High": "high", "Very High": "vhigh"}


def level_text(value, decimals: int = 1) -> str:
    """A score or level as text with ``decimals`` places in the reader's number format, "—" when there
    is none. A value that rounds to zero reads "0.0", never "-0.0" (Python keeps the sign of a
    rounded-away tiny negative)."""
    if value is None or value != value:
        return "—"
    return number_format(round(float(value), decimals) + 0.0, decimals)


def inform_label(name: str) -> str:
    label = INFORM_LABELS.get(name)
    return str(label) if label is not None else name


def class_label(name: str) -> str:
    label = CLASS_LABELS.get(name)
    return str(label) if label is not None else (name or "—")
