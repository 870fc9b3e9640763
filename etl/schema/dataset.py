"""What the dataset is called, under which licence it is published and how to cite it: one place for all."""

NAME = "china-ai-investments"
TITLE = "Alibaba's 2024 investments in Chinese AI start-ups: sourced claims"
ZIP_NAME = f"{NAME}.zip"
AUTHORS = "The china-ai-investments maintainers"
DATA_LICENSE = "CC-BY-4.0"
CODE_LICENSE = "Apache-2.0"


def citation(version: str | None = None, date: str | None = None) -> str:
    """How to cite the dataset: one text for the home page, the package descriptor and CITATION.cff."""
    edition = f", version {version}" if version else ", the version you used (see datapackage.json)"
    when = f", data last changed {date}" if date else ""
    return f"{AUTHORS}. {TITLE}. Dataset{edition}{when}. {DATA_LICENSE}."
