"""English formats; dates stay day-first, as the company works in Russia."""

DATE_FORMAT = "d M Y"
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d M Y, H:i"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
TIME_FORMAT = "H:i"
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
