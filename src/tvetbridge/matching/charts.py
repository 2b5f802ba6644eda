"""The gap map of skill gaps: the platform's circle map (``core.maps``), under the name the
matching pages use."""

from tvetbridge.core.maps import circle_map_svg as gap_map_svg

__all__ = ["gap_map_svg"]
