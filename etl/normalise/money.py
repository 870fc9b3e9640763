"""Read money phrases ("at least US$600 million", "5 billion yuan ($691 million)") into amounts."""
from __future__ import annotations

import re
from dataclasses import dataclass

from etl.errors import Unusable
from etl.normalise.hedges import ConflictingHedges, split_hedge
from etl.normalise.lookups import currency_marks, currency_words
from etl.schema.vocab import CURRENCIES

CURRENCY_MARKS = currency_marks()
CURRENCY_WORDS = currency_words()
SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6,
    "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12,
}

_MARKS = "|".join(sorted(map(re.escape, CURRENCY_MARKS), key=len, reverse=True))
_AMOUNT = re.compile(
    rf"^(?P<mark>{_MARKS})?\s*(?P<sign>[-−])?\s*(?P<mark2>{_MARKS})?\s*(?P<number>\d[\d,]*(?:\.\d+)?)"
    rf"\s*(?P<scale>[a-z]+\b)?\s*(?P<word>[a-z][a-z ]*?)?$",
    re.I,
)
MAX_AMOUNT = 1e15  # above the world's yearly output: a larger number is a typo, and infinity is no amount
_PARENTHESIS = re.compile(r"^(?P<main>.*?)\s*\((?P<inner>[^()]*)\)$")


class MoneyError(Unusable):
    pass


@dataclass(frozen=True)
class Money:
    amount: float
    currency: str
    comparator: str
    stated_usd: float | None = None

    @property
    def usd(self) -> float | None:
        return self.amount if self.currency == "USD" else self.stated_usd


def parse_money(phrase: str) -> Money:
    """Amount, currency, comparator and any US-dollar figure the phrase states in parentheses."""
    match = _PARENTHESIS.match(phrase.strip())
    main, inner = (match.group("main"), match.group("inner")) if match else (phrase, None)
    money = _parse_amount(main, phrase)
    if inner is None:
        return money
    equivalent = _parse_amount(inner, phrase)
    if equivalent.currency != "USD":
        raise MoneyError(f"the amount in parentheses in '{phrase}' is not in US dollars",
                         "only a US-dollar equivalent may stand in parentheses")
    return Money(money.amount, money.currency, money.comparator, equivalent.amount)


def _parse_amount(text: str, phrase: str) -> Money:
    try:
        comparator, bare = split_hedge(text)
    except ConflictingHedges as error:
        raise MoneyError(f"'{phrase}' has two hedges, {error}", "keep the one hedge the text states") from None
    match = _AMOUNT.match(bare.strip())
    if not match:
        raise MoneyError(f"cannot read an amount in '{phrase}'",
                         "write the amount as in the text, e.g. 'at least US$600 million' or '5 billion yuan'")
    if match.group("sign"):
        raise MoneyError(f"negative amount in '{phrase}'", "amounts are positive; state a fall with its own predicate")
    scale, word = _scale_and_word(match, phrase)
    currency = _currency(match.group("mark") or match.group("mark2"), word, phrase)
    amount = float(match.group("number").replace(",", "")) * scale
    if amount <= 0:
        raise MoneyError(f"zero amount in '{phrase}'", "amounts are positive; check the phrase")
    if not amount < MAX_AMOUNT:
        raise MoneyError(f"'{phrase}' is larger than any amount of money ({MAX_AMOUNT:.0e})",
                         "check the digits and the scale word against the text")
    return Money(amount, currency, comparator)


def _scale_and_word(match: re.Match, phrase: str) -> tuple[float, str | None]:
    scale_text, word = match.group("scale"), (match.group("word") or "").strip() or None
    if scale_text and scale_text.lower() not in SCALES:
        word = f"{scale_text} {word}" if word else scale_text
        scale_text = None
    return SCALES[scale_text.lower()] if scale_text else 1.0, word


def _currency(mark: str | None, word: str | None, phrase: str) -> str:
    if mark and word:
        raise MoneyError(f"'{phrase}' names its currency twice", "keep the currency sign or the word, as in the text")
    if mark:
        code = CURRENCY_MARKS[mark.upper() if mark.isalpha() else mark][0]
    elif word and word.lower() in CURRENCY_WORDS:
        code = CURRENCY_WORDS[word.lower()][0]
    elif word and word.upper() in CURRENCIES:
        code = word.upper()
    elif word:
        raise MoneyError(f"unknown currency '{word}' in '{phrase}'",
                         "use an ISO 4217 code or a currency word listed in etl/normalise/lookups/currencies.yml (add it there with its reason)")
    else:
        raise MoneyError(f"no currency in '{phrase}'", "include the currency sign or word as the text writes it")
    if code not in CURRENCIES:
        raise MoneyError(f"unknown currency '{code}' in '{phrase}'", "use an ISO 4217 currency code")
    return code
