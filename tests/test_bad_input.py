"""Bad input: one clear error line per problem, all at once, exit 1, the previous build untouched."""
import shutil

import pytest

from tests.conftest import run_etl

DB = "china_ai_investments.db"


@pytest.fixture
def broken(published_project, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(published_project, root)
    return root


def edit(root, relative, old, new, count=1):
    """Replace text in a project file; returns the line where the new text first stands."""
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times in {relative}"
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return text[:text.index(new)].count("\n") + 1


def set_field(root, relative, claim_id, key, value):
    """Give one field of one claim a new value (a YAML scalar); returns the field's line number."""
    path = root / relative
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index(f"  - id: {claim_id}")
    index = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(f"    {key}:"))
    end = index + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    lines[index:end] = [f"    {key}: {value}"]
    path.write_text("\n".join(lines), encoding="utf-8")
    return index + 1


def rewrite_article_and_claims(root, old, new):
    """A new snapshot of the BT article (its sha256 updated) whose claims quote the new words."""
    article = "sources/articles/bt-minimax-2024-03-05.txt"
    edit(root, article, old, new)
    edit(root, "sources/sources.yml", BT_SHA256, _sha256(root / article))
    edit(root, BT, old, new, count=3)


def line_of(root, relative, needle, nth=1):
    lines = (root / relative).read_text(encoding="utf-8").splitlines()
    hits = [number for number, line in enumerate(lines, start=1) if needle in line]
    return hits[nth - 1]


def fails_with(root, *expected_lines):
    """The build fails with exactly these error lines and leaves the published database as it was."""
    before = (root / DB).read_bytes()
    result = run_etl(root, "build")
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if ": " in line and " — " in line]
    assert errors == list(expected_lines)
    count = len(expected_lines)
    assert result.stderr.splitlines()[-1] == (
        f"{count} error{'s' if count != 1 else ''} in the inputs: nothing was published.")
    assert (root / DB).read_bytes() == before
    assert not list(root.glob(".china_ai_investments-*")), "a temporary database was left behind"


BT = "claims/bt-minimax-2024-03-05.yml"
BLOOMBERG = "claims/bloomberg-baichuan-2024.yml"
BT_SHA256 = "de27f2a86ddcc64bb297b754164cc3b8e9cb0727f2d9fd61a81e32e993f80d2d"


def test_unparseable_yaml(broken):
    edit(broken, BT, "  - id: bt-headline-valuation\n", "  - id: bt-headline-valuation\n   subject: [oops\n")
    line = line_of(broken, BT, "subject: [oops")
    fails_with(broken, f"{BT}:{line}: yaml: cannot parse YAML: did not find expected '-' indicator — "
                       "fix the YAML syntax at this line (indentation, quotes, colons)")


def test_unknown_field_fails_the_json_schema(broken):
    line = set_field(broken, BT, "bt-minimax-lead-investor", "predicate", "lead_investor\n    amount: 5") + 1
    fails_with(broken, f"{BT}:{line}: amount: unknown field ('amount' was unexpected) — "
                       "follow etl/inputs/schemas/claims.schema.json and docs/curation.md")


def test_unknown_alias(broken):
    line = set_field(broken, BT, "bt-minimax-lead-investor", "object", "Alibaba Group Holdings")
    fails_with(broken, f"{BT}:{line}: object: unknown entity or alias 'Alibaba Group Holdings' — use an id, "
                       "name or alias of reference/entities.yml, or add it there")


def test_unknown_entity_id(broken):
    line = edit(broken, "reference/entities.yml", "  parent: alibaba\n", "  parent: alibaba-group\n")
    fails_with(broken, f"reference/entities.yml:{line}: parent: unknown parent entity 'alibaba-group' — "
                       "name the id of an entity listed in this file")


def test_unknown_predicate(broken):
    line = set_field(broken, BT, "bt-minimax-lead-investor", "predicate", "led_by")
    fails_with(broken, f"{BT}:{line}: predicate: unknown predicate 'led_by' — use one of "
                       "reference/predicates.yml or add it there with a description")


def test_unparseable_money(broken):
    line = set_field(broken, BT, "bt-minimax-round-amount", "value", "at least")
    fails_with(broken, f"{BT}:{line}: value: cannot read an amount in 'at least' — write the amount as in the "
                       "text, e.g. 'at least US$600 million' or '5 billion yuan'")


def test_unknown_currency(broken):
    rewrite_article_and_claims(broken, "at least US$600 million", "at least 600 million zorkmids")
    line = line_of(broken, BT, "value: at least 600 million zorkmids")
    fails_with(broken, f"{BT}:{line}: value: unknown currency 'zorkmids' in 'at least 600 million zorkmids' — use "
                       "an ISO 4217 code or a currency word listed in etl/normalise/lookups/currencies.yml "
                       "(add it there with its reason)")


def test_quote_not_in_source(broken):
    line = set_field(broken, BT, "bt-minimax-round-amount", "quote", "Alibaba Group Holding is leading a round")
    fails_with(broken, f"{BT}:{line}: quote: quote not found in sources/articles/bt-minimax-2024-03-05.txt; closest "
                       "passage \"Alibaba Group Holding is leading a financing\"; first difference at character 36: "
                       "the quote has 'round' where the text has 'financing' — copy the words exactly from the "
                       "article (whitespace and curly quotes are forgiven)")


def test_quote_with_a_character_the_text_does_not_have(broken):
    quote = "The two-year-old firm has secured funds from Alibaba\u02bcs partners"
    line = set_field(broken, BT, "bt-minimax-valuation", "quote", quote)
    fails_with(broken, f"{BT}:{line}: quote: quote not found in sources/articles/bt-minimax-2024-03-05.txt; closest "
                       "passage \"The two-year-old firm has secured funds from Alibaba and other investors\"; first "
                       "difference at "
                       "character 53: the quote has '\u02bc' (MODIFIER LETTER APOSTROPHE) where the text has ' ' "
                       "(SPACE) — copy the words exactly from the article (whitespace and curly quotes are forgiven)")


def test_value_not_inside_quote(broken):
    line = set_field(broken, BT, "bt-minimax-round-amount", "value", "more than $2.5 billion")
    fails_with(broken, f"{BT}:{line}: value: 'more than $2.5 billion' is not inside the quote — copy the value "
                       "phrase from the quote as written, or widen the quote")


def test_duplicate_claim_id(broken):
    edit(broken, BT, "  - id: bt-headline-valuation\n", "  - id: bt-headline-investor\n")
    first = line_of(broken, BT, "- id: bt-headline-investor")
    second = line_of(broken, BT, "- id: bt-headline-investor", nth=2)
    fails_with(broken, f"{BT}:{second}: id: duplicate claim id 'bt-headline-investor' (first at {BT}:{first}) — "
                       "give each claim its own id")


def test_duplicate_source_id(broken):
    edit(broken, "sources/sources.yml", "- source_id: rana-alibaba-bets-big-2024",
         "- source_id: moonshot-milestone-2024-02-27")
    line = line_of(broken, "sources/sources.yml", "source_id: moonshot-milestone-2024-02-27", nth=2)
    fails_with(broken,
               "claims/rana-alibaba-bets-big-2024.yml:1: source_id: no source 'rana-alibaba-bets-big-2024' in "
               "sources/sources.yml — add the source's metadata there, or correct the id",
               f"sources/sources.yml:{line}: source_id: duplicate source id 'moonshot-milestone-2024-02-27' (first "
               "at line 1) — give each source its own id")


def test_claims_naming_a_missing_source(broken):
    edit(broken, BT, "source_id: bt-minimax-2024-03-05", "source_id: bt-minimax-2024-03-06")
    fails_with(broken, f"{BT}:1: source_id: no source 'bt-minimax-2024-03-06' in sources/sources.yml — add the "
                       "source's metadata there, or correct the id")


def test_source_file_changed_after_curation(broken):
    edit(broken, "sources/articles/bt-minimax-2024-03-05.txt", "Published Tue", "Published Wed")
    line = line_of(broken, "sources/sources.yml", f"sha256: {BT_SHA256}")
    fails_with(broken, f"sources/sources.yml:{line}: sha256: sources/articles/bt-minimax-2024-03-05.txt has sha256 "
                       f"{_sha256(broken / 'sources/articles/bt-minimax-2024-03-05.txt')[:12]}…, the metadata says "
                       f"{BT_SHA256[:12]}… — restore the original article (sources are never edited); for a new snapshot "
                       "update sha256 and re-check every quote")


def test_impossible_date(broken):
    line = edit(broken, "sources/sources.yml", '  published: "2024-03-05"', '  published: "2024-02-30"')
    fails_with(broken, f"sources/sources.yml:{line}: published: '2024-02-30' is not a real date (day is out of "
                       "range for month) — write a date that exists, e.g. 2024-02-29")


def test_non_iso_date(broken):
    line = edit(broken, "sources/sources.yml", '  published: "2024-03-05"', '  published: "5 March 2024"')
    fails_with(broken, f"sources/sources.yml:{line}: published: '5 March 2024' does not match "
                       "'^\\\\d{4}(-\\\\d{2}(-\\\\d{2})?)?$' — write the date as YYYY, YYYY-MM or YYYY-MM-DD in quotes, "
                       "or null (see etl/inputs/schemas/sources.schema.json)")


def test_negative_amount(broken):
    rewrite_article_and_claims(broken, "at least US$600 million", "at least -US$600 million")
    line = line_of(broken, BT, "value: at least -US$600 million")
    fails_with(broken, f"{BT}:{line}: value: negative amount in 'at least -US$600 million' — amounts are "
                       "positive; state a fall with its own predicate")


def test_every_error_of_a_run_is_reported_at_once(broken):
    predicate = set_field(broken, BT, "bt-minimax-lead-investor", "predicate", "led_by")
    value = edit(broken, BLOOMBERG, "value: 20 billion yuan", "value: 20 billion zorkmids")
    fails_with(broken,
               f"{BLOOMBERG}:{value}: value: '20 billion zorkmids' is not inside the quote — copy the value phrase "
               "from the quote as written, or widen the quote",
               f"{BT}:{predicate}: predicate: unknown predicate 'led_by' — use one of reference/predicates.yml or "
               "add it there with a description")


def _sha256(path):
    import hashlib
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_quote_that_occurs_twice_must_say_which(broken):
    line = set_field(broken, BT, "bt-minimax-founders-background", "quote", "MiniMax")
    fails_with(broken, f"{BT}:{line}: quote: the quote occurs 2 times in sources/articles/bt-minimax-2024-03-05.txt "
                       "— add occurrence: 1 to 2 to say which")


def test_a_round_key_shared_by_two_companies(broken):
    set_field(broken, BT, "bt-minimax-round-amount", "round", "moonshot-2024")
    line = line_of(broken, BT, "  - id: bt-minimax-round-amount")
    fails_with(broken, f"{BT}:{line}: round: round 'moonshot-2024' is about moonshot, this claim about minimax — "
                       "give the claim the round key of its own company's round, or correct its subject")
