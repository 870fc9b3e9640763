"""Value and date phrases as articles write them, each built so that the normalisers read back what was meant."""
from __future__ import annotations

import datetime as dt
import random

from etl.normalise.dates import PartialDate, resolve_phrase
from etl.normalise.fx import usd_rate

# Hedge words and the stated figure (in millions) that keeps the true amount inside the interval read back.
HEDGES = {
    "exact": ("{x}",), "about": ("about {x}", "around {x}", "approximately {x}", "roughly {x}", "some {x}"),
    "at_least": ("at least {x}", "no less than {x}", "{x} or more"),
    "more_than": ("more than {x}", "over {x}", "above {x}", "upwards of {x}", "past {x}", "{x}-plus", "{x}+",
                  "{x} plus"),
    "nearly": ("nearly {x}", "almost {x}", "close to {x}"),
    "at_most": ("up to {x}", "at most {x}"), "less_than": ("less than {x}", "under {x}", "below {x}"),
}
HEDGE_WEIGHTS = {"exact": 60, "about": 10, "at_least": 8, "more_than": 10, "nearly": 6, "at_most": 3,
                 "less_than": 3}
# A planted disagreement is half the amount; these hedges keep every other report clear of it.
PLANTED_SAFE = ("exact", "about", "at_least", "more_than", "nearly")
USD_FORMS = ("${n}", "US${n}", "USD {n}", "{n} dollars", "{n} US dollars")
OTHER_CURRENCIES = (("CNY", "{n} yuan"), ("CNY", "RMB {n}"), ("CNY", "{n} renminbi"), ("CNY", "CNY {n}"),
                    ("HKD", "HK${n}"), ("SGD", "S${n}"), ("EUR", "€{n}"), ("EUR", "{n} euros"), ("GBP", "£{n}"),
                    ("JPY", "{n} JPY"))
AGES = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
        10: "ten", 11: "eleven", 12: "twelve"}
MULTIPLES = {2: "twofold", 3: "threefold", 4: "fourfold", 5: "fivefold", 6: "sixfold", 7: "sevenfold",
             8: "eightfold", 9: "ninefold", 10: "tenfold"}
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}


class Rotation:
    """Takes the options of each list in turn, so that even a small project uses every word of every list."""

    def __init__(self):
        self.turns: dict[tuple, int] = {}

    def pick(self, options: tuple):
        turn = self.turns.get(options, 0)
        self.turns[options] = turn + 1
        return options[turn % len(options)]


ROTATION = Rotation()  # replaced per project by World.rotation


def millions(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:.3f}".rstrip("0").rstrip(".") + " billion"
    return f"{value:.1f}".rstrip("0").rstrip(".") + " million"


def hedged_figure(rng: random.Random, amount: float, allowed=tuple(HEDGE_WEIGHTS),
                  rotation: Rotation = ROTATION) -> tuple[str, str]:
    """(comparator, template with {x}) and the figure that keeps amount inside the hedge's interval."""
    comparators = [c for c in HEDGE_WEIGHTS if c in allowed]
    comparator = rng.choices(comparators, [HEDGE_WEIGHTS[c] for c in comparators])[0]
    if comparator == "more_than":
        amount = amount * 0.9
    elif comparator in ("nearly", "less_than"):
        amount = amount * 1.1
    return rotation.pick(HEDGES[comparator]), millions(amount)


def usd_phrase(rng: random.Random, amount: float, allowed=tuple(HEDGE_WEIGHTS), rotation: Rotation = ROTATION) -> str:
    hedge, figure = hedged_figure(rng, amount, allowed, rotation)
    forms = USD_FORMS if hedge in ("{x}", "{x} or more") or not hedge.startswith("{x}") else USD_FORMS[:3]
    return hedge.format(x=rng.choice(forms).format(n=figure))  # never "600 million dollars-plus"


def foreign_phrase(rng: random.Random, amount: float, when: PartialDate) -> str:
    """The amount in another currency at the ECB rate of when; sometimes with the dollar figure in parentheses."""
    currency, form = rng.choice(OTHER_CURRENCIES)
    local = amount / usd_rate(currency, when).rate
    hedge = "about {x}" if rng.random() < 0.2 else "{x}"
    phrase = hedge.format(x=form.format(n=millions(local)))
    if currency == "CNY" and rng.random() < 0.6:
        phrase += f" (${millions(amount)})"
    return phrase


def money_phrase(rng: random.Random, amount: float, when: PartialDate, allowed=tuple(HEDGE_WEIGHTS),
                 rotation: Rotation = ROTATION) -> str:
    if rng.random() < 0.75:
        return usd_phrase(rng, amount, allowed, rotation)
    return foreign_phrase(rng, amount, when)


def event_date_phrase(rng: random.Random, day: dt.date, published: PartialDate) -> str | None:
    """A phrase for day as a report published on published might write it, or None for no date."""
    forms = [f"on {day:%B} {day.day}, {day.year}", f"in {day:%B %Y}", f"in {day.year}", "recently", None]
    if published.precision == "day":
        pub = published.first_day
        if (pub - day).days < 300 and day.month <= pub.month:
            forms += [f"in {day:%B}", f"earlier in {day:%B}"]
        if pub.year == day.year:
            forms += ["earlier this year", "this year"]
        if pub.year == day.year + 1:
            forms.append("last year")
        if 0 < (pub - day).days < 7:
            forms.append(f"on {day:%A}")
        if 7 <= (pub - day).days < 14:
            return "last week"  # the one week-precision form: always taken where it fits
    return rng.choice(forms)


def founded_phrase(rng: random.Random, founded: dt.date, published: PartialDate) -> tuple[str, str]:
    """(sentence template with {c} and {v}, value phrase) of a founding date."""
    first = published.first_day  # full years on every day the source may have been published
    age = first.year - founded.year - ((first.month, first.day) < (founded.month, founded.day))
    if age in AGES and rng.random() < 0.25:
        return "{c} is a {v} start-up.", f"{AGES[age]}-year-old"
    value = rng.choice((f"{founded:%B} {founded.year}", str(founded.year), f"{founded:%B} {founded.day}, {founded.year}"))
    return rng.choice(("{c} was founded in {v}.", "{c}, founded in {v}, builds large language models.",
                       "{c} has been building AI models since it was set up in {v}.")), value


def date_of(phrase: str | None, published: PartialDate) -> PartialDate:
    """The date the normaliser will read from phrase (the publication date when there is none)."""
    resolved = resolve_phrase(phrase, published) if phrase else None
    return PartialDate(resolved.iso, resolved.precision) if resolved else PartialDate(published.iso, published.precision)
