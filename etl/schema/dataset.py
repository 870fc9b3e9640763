"""What the dataset is called, what it is drawn from, its licences and how to cite it: one place for all."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from etl import paths

NAME = "china-ai-investments"
ZIP_NAME = f"{NAME}.zip"
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve")


def number_word(count: int) -> str:
    return NUMBER_WORDS[count] if count < len(NUMBER_WORDS) else str(count)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True)
class Corpus:
    """What the articles are, derived from their metadata: never typed, so it cannot go stale."""

    articles: int
    publishers: tuple[str, ...]
    uncredited: int
    years: tuple[str, ...]

    @classmethod
    def of(cls, sources: list[dict]) -> "Corpus":
        """sources: rows with publisher and published (YYYY…) or date."""
        publishers = tuple(dict.fromkeys(s["publisher"] for s in sources if s.get("publisher")))
        years = sorted({str(s.get("published") or s.get("date") or "")[:4] for s in sources} - {""})
        return cls(len(sources), publishers, sum(1 for s in sources if not s.get("publisher")), tuple(years))

    @property
    def period(self) -> str:
        if not self.years:
            return ""
        return self.years[0] if len(self.years) == 1 else f"{self.years[0]}–{self.years[-1]}"

    @property
    def title(self) -> str:
        return f"Alibaba's {self.period} investments in Chinese AI start-ups: sourced claims".replace("  ", " ")

    def articles_phrase(self) -> str:
        """'five 2024 news articles'."""
        noun = "news article" if self.articles == 1 else "news articles"
        return " ".join(part for part in (number_word(self.articles), self.period, noun) if part)

    def publishers_phrase(self) -> str:
        """'Benzinga, Bloomberg, BT and two uncredited sites'."""
        names = list(self.publishers)
        if self.uncredited:
            names.append(f"{number_word(self.uncredited)} uncredited site{'s' if self.uncredited != 1 else ''}")
        return _listed(names) if names else ""


# libyaml when present: the same values as safe_load, parsed in C.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_corpus() -> Corpus:
    """The corpus as sources/sources.yml lists it (empty when the file cannot be read: the build reports that),
    its sources in the sources table's order (by id), so that every description names the publishers alike."""
    try:
        items = yaml.load(paths.SOURCES_FILE.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except (OSError, yaml.YAMLError):
        items = None
    sources = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    return Corpus.of(sorted(sources, key=lambda item: str(item.get("source_id", ""))))


@cache
def corpus() -> Corpus:
    return read_corpus()


def __getattr__(name: str):
    """CORPUS and TITLE are read on first use, not on import: every etl command imports this module, and a
    sources.yml of a million claims' articles takes seconds to parse."""
    if name == "CORPUS":
        return corpus()
    if name == "TITLE":
        return corpus().title
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


AUTHORS = "The china-ai-investments maintainers"
DATA_LICENSE = "CC-BY-4.0"
CODE_LICENSE = "Apache-2.0"


def citation(version: str | None = None, date: str | None = None, title: str | None = None) -> str:
    """How to cite the dataset: one text for the home page, the package descriptor and CITATION.cff; the title
    is that of sources.yml unless given (the package gives the one of its own sources)."""
    edition = f", version {version}" if version else ", the version you used (see datapackage.json)"
    when = f", data last changed {date}" if date else ""
    return f"{AUTHORS}. {title or corpus().title}. Dataset{edition}{when}. {DATA_LICENSE}."
