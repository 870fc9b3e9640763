"""The synthetic world: invented companies, investors, people and models, and the funding rounds between them."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from etl.synth.phrases import Rotation

COMPANY_SYLLABLES = ("zhi", "ka", "lun", "mo", "ra", "xin", "tu", "bai", "fei", "yun", "qi", "shen", "lan", "ho",
                     "ji", "wen", "da", "pu", "ro", "mei")
INVESTOR_SYLLABLES = ("tor", "vel", "amb", "cor", "dex", "ful", "gar", "hel", "ist", "jor", "kel", "lum", "mar",
                      "nor", "ost", "pel", "quin", "rus", "sol", "tam")
PERSON_SYLLABLES = ("li", "wang", "zhou", "chen", "liu", "yang", "hu", "gao", "lin", "he", "guo", "ma", "luo",
                    "song", "tang", "han", "feng", "deng", "xu", "sun")
GIVEN_NAMES = ("Wei", "Fang", "Jing", "Lei", "Min", "Tao", "Yan", "Hui", "Qiang", "Xia")
CITIES = ("Beijing", "Shanghai", "Shenzhen", "Hangzhou", "Guangzhou", "Chengdu", "Nanjing", "Wuhan")
SKILLS = ("language skills", "coding", "mathematics", "reasoning", "Chinese-language tasks")
FIRST_DAY, LAST_DAY = dt.date(2016, 1, 1), dt.date(2024, 9, 30)


def word(number: int, syllables: tuple[str, ...], length: int) -> str:
    """A pronounceable word that spells number in base len(syllables): distinct numbers, distinct words."""
    parts, space = [], len(syllables) ** length
    number = (number * 7919 + 104729) % space  # a bijection of the space, so that neighbours look unrelated
    for _ in range(length):
        number, digit = divmod(number, len(syllables))
        parts.append(syllables[digit])
    return "".join(parts).capitalize()


@dataclass
class Entity:
    id: str
    name: str
    kind: str
    aliases: list[str] = field(default_factory=list)
    parent: str | None = None
    country: str | None = None
    country_evidence: str | None = None


@dataclass
class Company:
    entity: Entity
    founded: dt.date
    city: str
    models: int
    employees: int
    growth: int
    multiple: int
    share_price: float
    price_change: str
    people: dict[str, Entity] = field(default_factory=dict)
    products: list[Entity] = field(default_factory=list)
    planted_founded: bool = False


@dataclass
class Round:
    key: str
    company: Company
    date: dt.date
    amount: int  # millions of US dollars
    valuation: int
    lead: Entity
    participants: list[Entity]
    existing: Entity | None
    credit_share: str | None
    ordinal: int
    statuses: tuple[str, ...]
    planted_amount: bool = False


class World:
    """Deterministic from its seed: the same seed and the same calls give the same world."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.companies: list[Company] = []
        self.investors: list[Entity] = []
        self.groups: list[Entity] = []
        self.people = 0
        self.deals: dict[tuple[str, int], int] = {}
        self.round_keys: set[str] = set()
        self.rotation = Rotation()

    def company(self) -> Company:
        rng, number = self.rng, len(self.companies)
        name = word(number, COMPANY_SYLLABLES, 4)
        entity = Entity(name.lower(), f"{name} Technology", "company", [name, f"{name} AI"], country="CN",
                        country_evidence="Chinese AI start-up")
        founded = FIRST_DAY + dt.timedelta(days=rng.randrange(0, 6 * 365))
        change = rng.choice(("lost over 9%", "higher by 3.50%", "rose 12%", "fell about 4%", "gained 7.25%"))
        company = Company(entity, founded, rng.choice(CITIES), rng.randrange(2, 40), rng.randrange(50, 5000) * 10,
                          rng.randrange(10, 300), rng.randrange(2, 12), round(rng.uniform(2, 90), 2), change)
        self.companies.append(company)
        return company

    def investor(self) -> Entity:
        """Most rounds go to a pool that grows with the world; a few large investors lead many."""
        wanted = max(8, len(self.companies) // 6)
        while len(self.investors) < wanted:
            name = word(len(self.investors), INVESTOR_SYLLABLES, 4)
            kind = "investment_firm" if len(self.investors) % 5 else "company"
            suffix = "Capital" if kind == "investment_firm" else "Group"
            self.investors.append(Entity(f"{name.lower()}-{suffix.lower()}", f"{name} {suffix}", kind,
                                         [f"{name} {'Ventures' if kind == 'investment_firm' else 'Holdings'}"]))
        if self.rng.random() < 0.3:
            return self.investors[self.rng.randrange(0, min(8, len(self.investors)))]
        return self.rng.choice(self.investors)

    def person(self, company: Company, role: str) -> Entity:
        if role not in company.people:
            surname = word(self.people, PERSON_SYLLABLES, 4)
            given = GIVEN_NAMES[self.people % len(GIVEN_NAMES)]
            self.people += 1
            company.people[role] = Entity(f"{given.lower()}-{surname.lower()}", f"{given} {surname}", "person")
        return company.people[role]

    def product(self, company: Company, index: int) -> Entity:
        while len(company.products) <= index:
            generation = len(company.products) + 1
            name = f"{company.entity.aliases[0]}-LM {generation}"
            company.products.append(Entity(f"{company.entity.id}-lm-{generation}", name, "model",
                                           parent=company.entity.id))
        return company.products[index]

    def round(self, company: Company, planted: bool) -> Round:
        rng = self.rng
        first = company.founded.replace(year=company.founded.year + 1, day=1)
        date = first + dt.timedelta(days=rng.randrange(0, max(1, (LAST_DAY - first).days)))
        amount = rng.choice((2, 3, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100)) * 10
        lead = self.investor()
        participants = [p for p in (self.investor() for _ in range(rng.choice((0, 1, 2, 2, 3)))) if p is not lead]
        participants = list({p.id: p for p in participants}.values())
        existing = self.investor() if rng.random() < 0.3 else None
        if existing is lead or existing in participants:
            existing = None
        order = self.deals.get((lead.id, date.year), 0) + 1
        self.deals[(lead.id, date.year)] = order
        statuses = rng.choice((("remains in progress", "are ongoing"), ("is leading",), ("led", "secured"),
                               ("has participated", "secured")))
        credit = rng.choice(("nearly half", "a third", "a quarter", "two-thirds")) if rng.random() < 0.4 else None
        key = f"{company.entity.id}-{date.year}-{date.month:02d}{date.day:02d}"
        return Round(key, company, date, amount, amount * rng.randrange(5, 13), lead, participants, existing,
                     credit, order, statuses, planted)
