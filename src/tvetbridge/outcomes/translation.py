"""Outcomes hold personal and numeric data; nothing here is free text people read in several
languages, so no field is translated. The module exists so modeltranslation's autodiscovery finds
the app consistent with the others."""
