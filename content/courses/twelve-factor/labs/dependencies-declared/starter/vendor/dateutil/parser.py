"""isoparse(), trimmed down from python-dateutil: dates and date-times in ISO 8601's extended format."""

import re
from datetime import UTC, datetime, timedelta, timezone

_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?$"
)


def isoparse(text):
    match = _ISO.match(text.strip())
    if not match:
        raise ValueError(f"ISO string too short or malformed: {text!r}")
    stamp = match["date"] + "T" + (match["time"] or "00:00")
    fmt = "%Y-%m-%dT%H:%M" + (":%S" if stamp.count(":") == 2 else "") + (".%f" if "." in stamp else "")
    moment = datetime.strptime(stamp, fmt)
    tz = match["tz"]
    if tz == "Z":
        return moment.replace(tzinfo=UTC)
    if tz:
        sign = 1 if tz[0] == "+" else -1
        hours, minutes = int(tz[1:3]), int(tz[-2:])
        return moment.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    return moment
