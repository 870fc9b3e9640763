"""Dates as ISO text with precision and basis; relative phrases resolved against the publication date."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace

from etl.errors import Unusable
from etl.normalise.numbers import WORD_NUMBERS

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)}
COARSENESS = {"day": 0, "week": 1, "month": 2, "year": 3, "range": 3}
# A period phrase names no date at all: the phrase is kept, the date stays NULL.
UNDATED = ("in recent months", "recently", "in recent years", "in past years", "previously")
NOW = ("now", "today", "so far", "currently", "in the last 12 months", "in the past 12 months")

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_LEAD = re.compile(r"^(?:earlier in|later in|late in|early in|in|on|since|by|as of|from)\s+", re.I)
_SINCE = re.compile(r"^since\s+", re.I)
# Phrases that give the length of the period a change is measured over (ISO 8601 durations).
PERIODS = {"in the last 12 months": "P12M", "in the past 12 months": "P12M", "last week": "P1W"}
_DAY = re.compile(r"^(?:[a-z]+,\s*)?([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$", re.I)
_MONTH_YEAR = re.compile(r"^([a-z]+)\.?\s+(\d{4})$", re.I)
_AGE = re.compile(r"^(?:(?P<n>[a-z]+|\d+)-)?year-old$", re.I)


class DateError(Unusable):
    pass


@dataclass(frozen=True)
class PartialDate:
    iso: str
    precision: str
    basis: str = "stated"
    note: str | None = None
    latest: str | None = None  # last possible day of a range (precision "range")
    kind: str = "point"  # point, range (some day between iso and latest) or since (a period from iso on)
    period: str | None = None  # ISO 8601 length of the period a change is measured over

    @property
    def first_day(self) -> dt.date:
        return first_day(self.iso)

    @property
    def last_day(self) -> dt.date:
        if self.latest:
            return dt.date.fromisoformat(self.latest)
        return last_day(self.iso, self.precision)


def first_day(iso: str) -> dt.date:
    parts = [int(part) for part in iso.split("-")]
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def last_day(iso: str, precision: str) -> dt.date:
    start = first_day(iso)
    if precision == "day":
        return start
    if precision == "week":
        return start + dt.timedelta(days=6 - start.weekday())
    if precision == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start.replace(month=12, day=31)


def parse_iso(text: str) -> PartialDate:
    """YYYY, YYYY-MM or YYYY-MM-DD, checked to be a real date."""
    match = _ISO.match(text.strip())
    if not match:
        raise DateError(f"'{text}' is not an ISO 8601 date", "write YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError as error:
        raise DateError(f"'{text}' is not a real date ({error})", "write a date that exists, e.g. 2024-02-29") from None
    precision = "day" if day else "month" if month else "year"
    return PartialDate(text.strip(), precision)


def resolve_phrase(phrase: str, published: PartialDate | None) -> PartialDate | None:
    """The date a phrase names; None for phrases that name no period ('recently')."""
    text = " ".join(phrase.strip().rstrip(".,").split())
    lowered = text.lower()
    if lowered in UNDATED:
        return None
    if _ISO.match(text):
        return parse_iso(text)
    bare = _LEAD.sub("", text)
    stated = _stated(bare, phrase)
    if stated:
        return _since(stated, text, phrase, published) if _SINCE.match(text) else stated
    return _carry_basis(_relative(bare.lower(), lowered, phrase, published), published)


def _since(start: PartialDate, text: str, phrase: str, published: PartialDate | None) -> PartialDate:
    """'since 2022' starts a period that runs to the source's date: the start is stated, the end is not."""
    end = published.last_day.isoformat() if published else None
    note = f"'{phrase}': the start of a period" + (f" that runs to the source's date ({published.iso})"
                                                    if published else "")
    return replace(start, kind="since", latest=end, note=note)


def _carry_basis(date: PartialDate, published: PartialDate | None) -> PartialDate:
    """A date resolved against an inferred publication date is itself inferred."""
    if published is None or published.basis != "inferred" or date.basis == "inferred":
        return date
    return replace(date, basis="inferred",
                   note=f"{date.note}; the publication date {published.iso} is itself inferred")


def _stated(bare: str, phrase: str) -> PartialDate | None:
    if re.fullmatch(r"\d{4}", bare):
        return PartialDate(bare, "year")
    if match := _DAY.match(bare):
        month = _month(match.group(1), phrase)
        return _real(int(match.group(3)), month, int(match.group(2)), phrase)
    if (match := _MONTH_YEAR.match(bare)) and match.group(1).lower() in MONTHS:
        return PartialDate(f"{int(match.group(2)):04d}-{MONTHS[match.group(1).lower()]:02d}", "month")
    return None


def _relative(bare: str, lowered: str, phrase: str, published: PartialDate | None) -> PartialDate:
    if bare in MONTHS:
        return _month_of_publication(MONTHS[bare], phrase, _need(published, phrase))
    if lowered in ("this year", "earlier this year", "so far this year", "later this year"):
        pub = _need(published, phrase)
        return PartialDate(pub.iso[:4], "year", "relative", f"'{phrase}' = the publication year")
    if lowered == "last year":
        pub = _need(published, phrase)
        return PartialDate(_year(int(pub.iso[:4]) - 1, phrase), "year", "relative",
                           f"'{phrase}' = the year before publication")
    if lowered in NOW:
        pub = _need(published, phrase)
        return PartialDate(pub.iso, pub.precision, "relative", f"'{phrase}' = the publication date",
                           period=PERIODS.get(lowered))
    if lowered == "last week":
        return replace(_days_before(7, "week", phrase, _need(published, phrase)), period=PERIODS[lowered])
    if bare in WEEKDAYS:
        pub = _need(published, phrase)
        back = (pub.first_day.weekday() - WEEKDAYS[bare]) % 7 if pub.precision == "day" else 0
        return replace(_days_before(back, "day", phrase, pub), period="P1D")
    if match := _AGE.match(bare):
        return _founded_from_age(match.group("n"), phrase, _need(published, phrase))
    raise DateError(f"cannot read the date phrase '{phrase}'",
                    "copy the phrase as the text writes it; known forms are listed in docs/curation.md "
                    "(add a rule to etl/normalise/dates.py for a new one)")


def _month_of_publication(month: int, phrase: str, pub: PartialDate) -> PartialDate:
    year = int(pub.iso[:4])
    if pub.precision in ("day", "week", "month") and month > pub.first_day.month:
        year -= 1
        note = f"'{phrase}' is after the publication month, so the year before publication"
    elif pub.precision == "year":
        note = f"'{phrase}' taken in the publication year (the publication date is known to the year only)"
    else:
        note = f"'{phrase}' of the publication year"
    return PartialDate(f"{_year(year, phrase)}-{month:02d}", "month", "relative", note)


def _days_before(days: int, precision: str, phrase: str, pub: PartialDate) -> PartialDate:
    if pub.precision != "day":
        return PartialDate(pub.iso, pub.precision, "relative",
                           f"'{phrase}' before publication; the publication date is known to the {pub.precision} only")
    try:
        day = pub.first_day - dt.timedelta(days=days)
        if precision == "week":
            day -= dt.timedelta(days=day.weekday())
    except OverflowError:
        raise DateError(f"'{phrase}' counted back from {pub.iso} falls before the year 1",
                        "check the phrase and the source's publication date") from None
    return PartialDate(day.isoformat(), precision, "relative", f"'{phrase}' counted back from {pub.iso}")


def _founded_from_age(count: str | None, phrase: str, pub: PartialDate) -> PartialDate:
    """An age of n years on a day D: born after D minus n+1 years and not after D minus n years."""
    years = _age(count)
    if years is None:
        raise DateError(f"cannot read the age in '{phrase}'", "write the age as in the text, e.g. 'two-year-old'")
    _year(pub.first_day.year - years - 1, phrase)
    earliest = _years_before(pub.first_day, years + 1) + dt.timedelta(days=1)
    latest = _years_before(pub.last_day, years)
    return PartialDate(earliest.isoformat(), "range", "inferred",
                       f"'{phrase}' in a source of {pub.iso}: {years} full year(s) old, so founded between "
                       f"{earliest.isoformat()} and {latest.isoformat()}", latest=latest.isoformat(), kind="range")


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age(count: str | None) -> int | None:
    if count is None:
        return 1
    if count.isdigit():
        return int(count)
    return WORD_NUMBERS.get(count.lower())


def _year(year: int, phrase: str) -> str:
    """A year as ISO 8601 writes it (four digits), or DateError for one outside 1–9999."""
    if not 1 <= year <= 9999:
        raise DateError(f"'{phrase}' gives the year {year}, outside 1–9999",
                        "check the phrase and the source's publication date")
    return f"{year:04d}"


def _need(published: PartialDate | None, phrase: str) -> PartialDate:
    if published is None:
        raise DateError(f"'{phrase}' is relative but the source has no publication date",
                        "give the source a published date (inferred, with a note) or leave the date out")
    return published


def _month(name: str, phrase: str) -> int:
    if name.lower() not in MONTHS:
        raise DateError(f"unknown month '{name}' in '{phrase}'", "write the month in English, e.g. March or Mar")
    return MONTHS[name.lower()]


def _real(year: int, month: int, day: int, phrase: str) -> PartialDate:
    try:
        return PartialDate(dt.date(year, month, day).isoformat(), "day")
    except ValueError as error:
        raise DateError(f"'{phrase}' is not a real date ({error})", "write a date that exists") from None
