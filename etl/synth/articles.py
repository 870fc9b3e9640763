"""One synthetic article: sentences about a few funding rounds and their companies, and the claims they support."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from etl.normalise.dates import PartialDate
from etl.synth import phrases
from etl.synth.world import SKILLS, Company, Entity, Round, World

MODALITIES = (("stated", 85), ("reported", 10), ("company_statement", 5))
# A reported claim says whom it comes from; the synthetic articles' reports come from unnamed people.
REPORTED_FROM = {"attribution": "unnamed_sources", "attributed_to": "people familiar with the matter"}
STATUS_SENTENCES = {
    "remains in progress": ("{c}'s fundraise remains in progress, people familiar with the matter said.",
                            "in_progress"),
    "are ongoing": ("Talks between {c} and more investors are ongoing.", "in_progress"),
    "is leading": ("{l} is leading the new round in {c}.", "in_progress"),
    "led": ("{l} led the round in {c}, a filing shows.", "stated"),
    "secured": ("{c} secured the funding, the company said.", "company_statement"),
    "has participated": ("{l} has participated in {c}'s new financing.", "stated"),
}


@dataclass
class Article:
    source_id: str
    published: PartialDate
    title: str = ""
    sentences: list[str] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)

    @property
    def text(self) -> str:
        paragraphs = [" ".join(self.sentences[i:i + 3]) for i in range(0, len(self.sentences), 3)]
        return f"{self.title}\n\n" + "\n\n".join(paragraphs) + "\n"


@dataclass
class Writer:
    """Writes one article; registers every entity it names and every claim group a planted disagreement is in."""

    world: World
    rng: random.Random
    article: Article
    used: dict[str, Entity]
    groups: dict[tuple, list[tuple[str, bool]]]

    def name(self, entity: Entity) -> str:
        self.used[entity.id] = entity
        return self.rng.choice([entity.name, *entity.aliases])

    def claim(self, quote: str, subject: Entity, predicate: str, obj: Entity | None = None, value: str | None = None,
              date: str | None = None, round_key: str | None = None, modality: str | None = None,
              written: dict | None = None, planted: bool = False, group: tuple | None = None) -> None:
        number = len(self.article.claims) + 1
        claim_id = f"{self.article.source_id}-{number:03d}"
        written = written or {}
        modality = modality or self.rng.choices([m for m, _ in MODALITIES], [w for _, w in MODALITIES])[0]
        self.article.claims.append({
            "id": claim_id, "subject": written.get(subject.id) or self.name(subject), "predicate": predicate,
            "object": (written.get(obj.id) or self.name(obj)) if obj else None, "value": value,
            "date": date, "round": round_key, "modality": modality, "quote": quote,
            **self._attribution(modality, subject, written)})
        if group is not None:
            self.groups.setdefault(group, []).append((claim_id, planted))

    def _attribution(self, modality: str, subject: Entity, written: dict) -> dict:
        """Who asserts a claim: unnamed people for a report, the company itself for its statement or claim."""
        if modality == "reported":
            return dict(REPORTED_FROM)
        if modality in ("company_statement", "claimed"):
            return {"attribution": "company", "attributed_to": written.get(subject.id) or subject.name}
        return {}

    def say(self, sentence: str) -> str:
        self.article.sentences.append(sentence)
        return sentence


def write_round(writer: Writer, rnd: Round, headline: bool, planted_report: bool) -> None:
    rng, pub = writer.rng, writer.article.published
    c, lead = rnd.company.entity, rnd.lead
    names = {c.id: writer.name(c), lead.id: writer.name(lead)}
    allowed = phrases.PLANTED_SAFE if rnd.planted_amount else tuple(phrases.HEDGE_WEIGHTS)
    amount_group = (c.id, "round_amount", rnd.key)
    if headline:
        value = phrases.usd_phrase(rng, rnd.amount, allowed, writer.world.rotation)
        writer.article.title = f"{names[c.id]} raises {value} in round led by {names[lead.id]}"
        writer.claim(writer.article.title, c, "round_amount", value=value, round_key=rnd.key, written=names,
                     group=amount_group)
        writer.claim(writer.article.title, c, "lead_investor", lead, round_key=rnd.key, written=names)
    date = phrases.event_date_phrase(rng, rnd.date, pub)
    when = phrases.date_of(date, pub)
    if planted_report:
        value = f"${phrases.millions(rnd.amount / 2)}"
    else:
        value = phrases.money_phrase(rng, rnd.amount, when, allowed, writer.world.rotation)
    quote = writer.say(f"{names[c.id]} raised {value} in a funding round led by {names[lead.id]}"
                       f"{' ' + date if date else ''}.")
    writer.claim(quote, c, "round_amount", value=value, date=date, round_key=rnd.key, written=names,
                 planted=planted_report, group=amount_group)
    writer.claim(quote, c, "lead_investor", lead, round_key=rnd.key, written=names)
    _participants(writer, rnd, names)
    if rng.random() < 0.6:
        value = phrases.money_phrase(rng, rnd.valuation, phrases.date_of(None, pub), rotation=writer.world.rotation)
        quote = writer.say(f"The deal values {names[c.id]} at {value}.")
        writer.claim(quote, c, "valuation", value=value, round_key=rnd.key, written=names)
    if rnd.credit_share and rnd.lead.kind == "company" and rng.random() < 0.5:
        _credits(writer, rnd, names)
    if rng.random() < 0.35:
        _status(writer, rnd, names)
    if rng.random() < 0.05 and date:
        quote = writer.say(f"{names[c.id]} announced the round {date}.")
        writer.claim(quote, c, "round_announced", value=date, round_key=rnd.key, written=names)
    if rng.random() < 0.2 and rnd.ordinal in phrases.ORDINALS:
        ordinal = phrases.ORDINALS[rnd.ordinal] if rng.random() < 0.7 else f"{rnd.ordinal}{_suffix(rnd.ordinal)}"
        quote = writer.say(f"The {names[c.id]} deal is {names[lead.id]}'s {ordinal} major AI deal of {rnd.date.year}.")
        writer.claim(quote, lead, "deal_sequence", c, value=ordinal, date=str(rnd.date.year), round_key=rnd.key,
                     written=names)


def _suffix(number: int) -> str:
    return {1: "st", 2: "nd", 3: "rd"}.get(number, "th")


def _participants(writer: Writer, rnd: Round, names: dict) -> None:
    rng, c = writer.rng, rnd.company.entity
    if not rnd.participants or rng.random() > 0.7:
        return
    named = {p.id: writer.name(p) for p in rnd.participants}
    listed = " and ".join(named.values())
    existing_name = writer.name(rnd.existing) if rnd.existing else None
    existing = f", alongside existing investor {existing_name}" if rnd.existing else ""
    verb = rng.choice(("also took part in", "joined", "has committed to"))
    quote = writer.say(f"{listed} {verb} the round in {names[c.id]}{existing}.")
    modality = "committed" if verb == "has committed to" else None
    for participant in rnd.participants:
        writer.claim(quote, c, "participating_investor", participant, round_key=rnd.key, modality=modality,
                     written={**names, **named})
    if rnd.existing:
        writer.claim(quote, c, "existing_investor", rnd.existing, round_key=rnd.key, modality=modality,
                     written={**names, rnd.existing.id: existing_name})


def _credits(writer: Writer, rnd: Round, names: dict) -> None:
    c, lead = rnd.company.entity, rnd.lead
    ticket = phrases.millions(rnd.amount / 4)
    quote = writer.say(f"{names[lead.id]} put ${ticket} into {names[c.id]}, {rnd.credit_share} of it as cloud "
                       "computing credits.")
    writer.claim(quote, c, "investor_amount", lead, value=f"${ticket}", round_key=rnd.key, written=names)
    writer.claim(quote, c, "investment_form", lead, value="cloud computing credits", round_key=rnd.key, written=names)
    writer.claim(quote, c, "cloud_credit_share", lead, value=rnd.credit_share, round_key=rnd.key, written=names)


def _status(writer: Writer, rnd: Round, names: dict) -> None:
    words = writer.rng.choice(rnd.statuses)
    template, modality = STATUS_SENTENCES[words]
    quote = writer.say(template.format(c=names[rnd.company.entity.id], l=names[rnd.lead.id]))
    writer.claim(quote, rnd.company.entity, "round_status", value=words, round_key=rnd.key, modality=modality,
                 written=names)


def write_profile(writer: Writer, company: Company, others: list[Company], planted_founded: bool,
                  every_fact: bool = False) -> None:
    """What an article says about a company besides its rounds, each fact with its realistic frequency."""
    rng, world, pub = writer.rng, writer.world, writer.article.published
    c = company.entity
    names = {c.id: writer.name(c)}
    n = names[c.id]
    if rng.random() < 0.3 or planted_founded:
        template, value = phrases.founded_phrase(rng, company.founded, pub)
        if planted_founded:
            template, value = "{c} was founded in {v}.", str(company.founded.year - 3)
        quote = writer.say(template.format(c=n, v=value))
        writer.claim(quote, c, "founded", value=value, written=names, planted=planted_founded,
                     group=(c.id, "founded"))
    facts = (
        (0.15, lambda: _one(writer, f"{n} was founded by {{o}}.", c, "founder", world.person(company, "founder"), names)),
        (0.10, lambda: _one(writer, f"{{o}}, chief executive of {n}, said the company would keep hiring.", c,
                            "chief_executive", world.person(company, "ceo"), names, "company_statement")),
        (0.08, lambda: _one(writer, f"{n} is led by {{o}}.", c, "leader", world.person(company, "ceo"), names)),
        (0.02, lambda: _one(writer, f"{n} was previously run by {{o}}.", c, "former_leader",
                            world.person(company, "former"), names)),
        (0.03, lambda: _one(writer, f"{n} was founded by veterans of {{o}}.", c, "founders_background",
                            world.investors[0], names)),
        (0.02, lambda: _one(writer, f"{n} is a unit of {{o}}.", c, "parent_organization", world.investors[1], names)),
        (0.05, lambda: _value(writer, f"{n} is based in {{v}}.", c, "based_in", company.city, names)),
        (0.04, lambda: _value(writer, f"{n} is one of China's so-called {{v}}.", c, "distinction", "AI tigers", names)),
        (0.05, lambda: _value(writer, f"{n} has more than {{v}}.", c, "statistic",
                              f"{company.employees:,} employees", names)),
        (0.02, lambda: _value(writer, f"{n} has released {{v}}.", c, "models_released", f"{company.models} models",
                              names)),
        (0.01, lambda: _value(writer, f"{n}'s user base grew {{v}} in the past year.", c, "growth_rate",
                              f"about {company.growth}%", names)),
        (0.02, lambda: _value(writer, f"{n}'s valuation has grown {{v}} since its founding.", c, "valuation_multiple",
                              phrases.MULTIPLES.get(company.multiple, f"{company.multiple}-fold"), names)),
        (0.01, lambda: _value(writer, f"Shares of {n} closed at {{v}}.", c, "share_price",
                              f"US${company.share_price:.2f}", names)),
        (0.02, lambda: _value(writer, f"{n} shares {{v}} over the past 12 months.", c, "share_price_change",
                              company.price_change, names)),
        (0.05, lambda: _one(writer, f"{n} competes with {{o}}.", c, "competitor", rng.choice(others).entity, names)),
        (0.01, lambda: _value(writer, f"{n} {{v}}, treating them as revenue.", c, "escrow_arrangement",
                              "keeps investors' funds in an escrow account", names)),
        (0.01, lambda: _value(writer, f"{n} is {{v}}.", c, "restructuring", "orchestrating a split of its business",
                              names)),
        (0.01, lambda: _value(writer, f"{n}'s chief executive {{v}}.", c, "oversees_investments",
                              "has personally overseen its investments", names)),
        (0.01, lambda: _value(writer, f"{n} expanded quickly until a government clampdown began {{v}}.", c,
                              "clampdown_began", f"in {min(2020, int(pub.iso[:4]))}", names)),
        (0.01, lambda: _value(writer, f"{n} {{v}}.", c, "invests_in_ai_startups", "has invested in AI start-ups",
                              names)),
        (0.01, lambda: _value(writer, f"{n} holds {{v}}.", c, "chip_inventory", "a stock of AI chips", names)),
        (0.01, lambda: _value(writer, f"{n} says {{v}}.", c, "stated_view", "the AI race will take years", names)),
        (0.10, lambda: _product(writer, company, names, pub)),
        (0.03, lambda: _comparison(writer, company, rng.choice(others), names)),
    )
    for chance, say in facts:
        if rng.random() < chance or every_fact:
            say()


def _one(writer: Writer, template: str, subject: Entity, predicate: str, obj: Entity, names: dict,
         modality: str | None = None) -> None:
    written = {**names, obj.id: writer.name(obj)}
    quote = writer.say(template.format(o=written[obj.id]))
    writer.claim(quote, subject, predicate, obj, modality=modality, written=written)


def _value(writer: Writer, template: str, subject: Entity, predicate: str, value: str, names: dict) -> None:
    quote = writer.say(template.format(v=value))
    writer.claim(quote, subject, predicate, value=value, written=names)


def _product(writer: Writer, company: Company, names: dict, pub: PartialDate) -> None:
    rng = writer.rng
    product = writer.world.product(company, rng.randrange(0, 2))
    day = company.founded + dt.timedelta(days=rng.randrange(30, 300))
    date = phrases.event_date_phrase(rng, day, pub) if day <= pub.first_day else None
    written = {**names, product.id: writer.name(product)}
    quote = writer.say(f"{names[company.entity.id]} released its {written[product.id]} model"
                       f"{' ' + date if date else ''}.")
    writer.claim(quote, company.entity, "released_product", product, date=date, written=written)


def _comparison(writer: Writer, company: Company, other: Company, names: dict) -> None:
    ours, theirs = writer.world.product(company, 0), writer.world.product(other, 0)
    written = {ours.id: writer.name(ours), theirs.id: writer.name(theirs)}
    skill = f"in {writer.rng.choice(SKILLS)}"
    quote = writer.say(f"{names[company.entity.id]} says {written[ours.id]} outperforms {written[theirs.id]} {skill}.")
    writer.claim(quote, ours, "claimed_comparison", theirs, value=skill, modality="claimed", written=written)
    writer.claim(quote, company.entity, "released_product", ours, written={**names, **written})


def write_portfolio(writer: Writer, investor: Entity, companies: list[Company]) -> None:
    """"X has invested in start-ups such as A, B and C": one `investor` claim per company named."""
    named = {c.entity.id: writer.name(c.entity) for c in companies}
    listed = ", ".join(list(named.values())[:-1]) + (" and " if len(named) > 1 else "") + list(named.values())[-1]
    who = writer.name(investor)
    quote = writer.say(f"{who} has invested in several start-ups, such as {listed}.")
    for company in companies:
        writer.claim(quote, company.entity, "investor", investor, written={**named, investor.id: who})
