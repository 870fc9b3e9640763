"""ECB rates: the last rate on or before a day, the mean over a period, and errors that say what to do."""
from __future__ import annotations

import datetime as dt

import pytest
from currency_converter import CurrencyConverter

from etl.normalise.dates import PartialDate
from etl.normalise.fx import LOOKBACK_DAYS, FxError, usd_rate

ECB = CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


def ecb(currency: str, day: dt.date) -> float:
    return ECB.convert(1, currency, "USD", date=day)


def test_a_day_takes_that_days_rate():
    rate = usd_rate("CNY", PartialDate("2024-03-05", "day"))
    assert (rate.rate, rate.rate_date, rate.method, rate.days) == (ecb("CNY", dt.date(2024, 3, 5)), "2024-03-05",
                                                                   "ecb_daily", 1)
    assert rate.fx_rate_id == "CNY-USD-2024-03-05"


def test_a_weekend_looks_back_to_the_last_published_rate():
    rate = usd_rate("CNY", PartialDate("2024-03-03", "day"))  # a Sunday
    assert rate.rate_date == "2024-03-01"
    assert rate.rate == ecb("CNY", dt.date(2024, 3, 1))


def test_a_month_takes_the_mean_of_its_published_rates():
    days = [dt.date(2024, 2, d) for d in range(1, 30)]
    published = [ecb("CNY", day) for day in days if day.weekday() < 5 and _published(day)]
    rate = usd_rate("CNY", PartialDate("2024-02", "month"))
    assert (rate.method, rate.rate_date, rate.period_end, rate.days) == ("ecb_period_mean", "2024-02-01",
                                                                         "2024-02-29", len(published))
    assert rate.rate == pytest.approx(sum(published) / len(published))


def _published(day: dt.date) -> bool:
    try:
        ECB.convert(1, "CNY", "USD", date=day)
        return True
    except Exception:
        return False


def test_a_currency_the_ecb_does_not_publish_is_an_error_with_a_fix():
    with pytest.raises(FxError) as raised:
        usd_rate("KPW", PartialDate("2024-03-05", "day"))
    assert (raised.value.problem, raised.value.fix) == (
        "the ECB publishes no rate for KPW", "give the US-dollar figure the article states")


def test_a_day_before_the_rates_begin_is_an_error_naming_the_look_back():
    with pytest.raises(FxError) as raised:
        usd_rate("CNY", PartialDate("1990-01-10", "day"))
    assert raised.value.problem == f"no ECB rate for CNY in the {LOOKBACK_DAYS} days up to 1990-01-10"


def test_a_period_without_rates_is_an_error():
    with pytest.raises(FxError) as raised:
        usd_rate("CNY", PartialDate("1990", "year"))
    assert raised.value.problem == "no ECB rate for CNY in 1990"
