"""Write a synthetic project: articles, sources.yml, entities.yml, JSON-lines claims and the expectation inputs."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from etl import paths
from etl.normalise.dates import PartialDate
from etl.synth.articles import (
    Article,
    Writer,
    write_portfolio,
    write_profile,
    write_round,
)
from etl.synth.world import LAST_DAY, Company, Round, World

PLANTED_SHARE = 0.005  # rounds with one deliberately disagreeing report, companies with a disagreeing founding year
COMPANIES_PER_BATCH = 8
REPORTS = (1, 2, 2, 3, 3, 4)  # sources per round
LATEST_PUBLICATION = LAST_DAY + dt.timedelta(days=45)
PLANTED_REASON = ("Planted by etl synth: one synthetic report disagrees with the others on purpose, to exercise "
                  "conflict detection at scale.")


@dataclass
class Summary:
    claims: int = 0
    sources: int = 0
    entities: int = 0
    rounds: int = 0
    conflicts: int = 0


def synthesize(out: Path, claims: int, seed: int = 0, say: Callable[[int, int], None] = lambda done, total: None
               ) -> Summary:
    """Write a project of at least `claims` claims (whole articles) into out, which must not exist or be empty."""
    world, summary, used, groups = World(seed), Summary(), {}, {}
    _folders(out)
    led: dict[str, list[Company]] = {}
    with open(out / "sources" / "sources.yml", "w", encoding="utf-8") as sources:
        while summary.claims < claims:
            rounds = _batch(world)
            summary.rounds += len(rounds)
            for reports in _articles(world, rounds):
                article = _article(world, summary.sources, reports, led, used, groups)
                _write_article(out, article, sources)
                summary.sources += 1
                summary.claims += len(article.claims)
            say(min(summary.claims, claims), claims)
    conflicts = planted_conflicts(groups)
    summary.conflicts = len(conflicts)
    summary.entities = len(used)
    _write_entities(out, used.values())
    _write_expectations(out, conflicts)
    return summary


def _folders(out: Path) -> None:
    for folder in ("sources/articles", "reference", "claims", "expectations"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    code = paths.PACKAGE_DIR.parent
    shutil.copy(code / "reference" / "predicates.yml", out / "reference" / "predicates.yml")
    shutil.copy(code / "expectations" / "cross_table.json", out / "expectations" / "cross_table.json")


def _batch(world: World) -> list[Round]:
    """A few new companies and their rounds; the very first of each is planted so that small projects have one."""
    rng, rounds = world.rng, []
    for _ in range(COMPANIES_PER_BATCH):
        first = not world.companies
        company = world.company()
        company.planted_founded = first or rng.random() < PLANTED_SHARE
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            rnd = world.round(company, planted=first or rng.random() < PLANTED_SHARE)
            if rnd.key in world.round_keys:
                continue
            world.round_keys.add(rnd.key)
            rounds.append(rnd)
            first = False
    return rounds


def _articles(world: World, rounds: list[Round]) -> list[list[tuple[Round, bool]]]:
    """Each round reported by one to four articles; an article covers one to three rounds of distinct companies."""
    rng, pending = world.rng, []
    for rnd in rounds:
        count = max(2, rng.choice(REPORTS)) if rnd.planted_amount else rng.choice(REPORTS)
        pending += [(rnd, rnd.planted_amount and count > 1 and index == count - 1) for index in range(count)]
    rng.shuffle(pending)
    articles = []
    while pending:
        size, chosen, companies = rng.choice((1, 2, 2, 3)), [], set()
        for report in list(pending):
            if len(chosen) == size:
                break
            if report[0].company.entity.id not in companies:
                chosen.append(report)
                companies.add(report[0].company.entity.id)
                pending.remove(report)
        articles.append(chosen)
    return articles


def _published(world: World, reports: list[tuple[Round, bool]]) -> PartialDate:
    rng = world.rng
    day = min(max(r.date for r, _ in reports) + dt.timedelta(days=rng.randrange(0, 40)), LATEST_PUBLICATION)
    precision = rng.choices(("day", "month", "year"), (85, 10, 5))[0]
    iso = {"day": day.isoformat(), "month": day.isoformat()[:7], "year": str(day.year)}[precision]
    return PartialDate(iso, precision, "stated" if precision != "year" else "inferred")


def _article(world: World, number: int, reports: list[tuple[Round, bool]], led: dict, used: dict,
             groups: dict) -> Article:
    rng = world.rng
    article = Article(f"synth-{number:07d}", _published(world, reports))
    writer = Writer(world, rng, article, used, groups)
    headline = number > 0 and rng.random() < 0.3
    for index, (rnd, planted) in enumerate(reports):
        led.setdefault(rnd.lead.id, []).append(rnd.company)
        write_round(writer, rnd, headline and index == 0 and not planted, planted)
    companies = list({r.company.entity.id: r.company for r, _ in reports}.values())
    others = [c for c in world.companies[-3 * len(companies) - 8:] if c not in companies] or companies
    for index, company in enumerate(companies):
        planted = company.planted_founded and not any(p for _, p in groups.get((company.entity.id, "founded"), []))
        # The first article's first company states every kind of fact, so that even a small project uses every
        # predicate; everywhere else each fact comes with its own frequency.
        write_profile(writer, company, others, planted, every_fact=number == 0 and index == 0)
    if rng.random() < 0.5:
        lead = reports[0][0].lead
        portfolio = list({c.entity.id: c for c in led[lead.id][-3:]}.values())
        write_portfolio(writer, lead, portfolio)
    if not article.title:
        first = reports[0][0].company.entity
        article.title = f"{writer.name(first)} and the money behind Chinese AI start-ups ({article.source_id})"
    return article


def planted_conflicts(groups: dict[tuple, list[tuple[str, bool]]]) -> list[str]:
    """The conflict id of every planted claim paired with each report it disagrees with."""
    found = set()
    for members in groups.values():
        planted = [claim for claim, is_planted in members if is_planted]
        others = [claim for claim, is_planted in members if not is_planted]
        found.update("--".join(sorted((a, b))) for a in planted for b in others)
    return sorted(found)


def _write_article(out: Path, article: Article, sources) -> None:
    data = article.text.encode("utf-8")
    (out / "sources" / "articles" / f"{article.source_id}.txt").write_bytes(data)
    with open(out / "claims" / f"{article.source_id}.jsonl", "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(claim, ensure_ascii=False) + "\n" for claim in article.claims)
    pub = article.published
    note = "Synthetic: the publication year is assumed." if pub.basis == "inferred" else None
    fields = {"source_id": article.source_id, "file": f"{article.source_id}.txt", "title": article.title,
              "publisher": "Synthetic Wire", "author": None, "published": pub.iso, "published_precision": pub.precision,
              "published_basis": pub.basis, "url": None, "language": "en",
              "sha256": hashlib.sha256(data).hexdigest(), "note": note}
    sources.write(_yaml_item(fields))


def _yaml_item(fields: dict) -> str:
    """One list item of flat YAML; JSON scalars are valid YAML and need no escaping rules of their own."""
    lines = [f"  {key}: {json.dumps(value)}" for key, value in fields.items()]
    return "-" + lines[0][1:] + "\n" + "\n".join(lines[1:]) + "\n\n"


def _write_entities(out: Path, entities) -> None:
    with open(out / "reference" / "entities.yml", "w", encoding="utf-8") as handle:
        for entity in sorted(entities, key=lambda e: e.id):
            handle.write(_yaml_item({"id": entity.id, "name": entity.name, "kind": entity.kind,
                                     "country": entity.country, "country_evidence": entity.country_evidence,
                                     "parent": entity.parent, "aliases": entity.aliases}))


def _write_expectations(out: Path, conflicts: list[str]) -> None:
    with open(out / "expectations" / "acknowledged_conflicts.yml", "w", encoding="utf-8") as handle:
        handle.write("" if conflicts else "[]\n")
        for conflict in conflicts:
            handle.write(_yaml_item({"conflict_id": conflict, "reason": PLANTED_REASON}))
    (out / "expectations" / "row_counts.yml").write_text(
        "# Synthetic project: every table must have rows.\nminimum_rows:\n"
        + "".join(f"  {name}: 1\n" for name in ("sources", "entities", "entity_aliases", "predicates", "fx_rates",
                                                "funding_rounds", "claims", "round_investors"))
        + "change_notes: []\n", encoding="utf-8")
