# Simplified Chinese (China): Django's dates, with numbers grouped by thousands with a comma, as
# GB/T 15835-2011 and CLDR's zh locale write them (Django's module leaves large numbers ungrouped:
# 3010852 instead of 3,010,852).
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
