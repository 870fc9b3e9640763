"""Issue 11's fixes, each with a test that would have caught it: pair rules on made-up claims, then the real data."""
from __future__ import annotations

import datetime as dt

import pytest

from etl.publish.rows import collect_rows
from etl.reconcile.conflicts import comparison_keys, conflict, conflict_rows
from etl.reconcile.evidence import evidence_rows
from etl.reconcile.investors import investor_rows
from etl.reconcile.rounds import by_round, chosen, round_rows, weakest
from etl.schema.vocab import MODALITIES

PUBLISHED = {"early": (dt.date(2024, 3, 5), "2024-03-05"), "late": (dt.date(2024, 12, 31), "2024")}


def claim(claim_id: str, **values) -> dict:
    row = {"claim_id": claim_id, "source_id": "early", "subject_id": "acme", "predicate_id": "valuation",
           "object_id": None, "round_id": "acme-2024", "value_phrase": None, "value_text": None, "amount": None,
           "currency": None, "amount_usd": None, "usd_rule": None, "amount_usd_digits": None, "comparator": "exact",
           "value_number": None, "value_unit": None, "date": None, "date_precision": None, "date_latest": None,
           "date_period": None, "date_phrase": None, "in_headline": 0, "quote": "", "modality": "stated"}
    row.update(values)
    return row


def usd(claim_id: str, amount: float, **values) -> dict:
    return claim(claim_id, amount=amount, currency="USD", amount_usd=amount, usd_rule="usd", amount_usd_digits=2,
                 value_phrase=f"${amount / 1e9:g} billion", **values)


# Conflicts that mean something


def test_a_headline_figure_is_approximate_against_its_body():
    headline = usd("a-headline", 2.5e9, in_headline=1)
    body = usd("b-body", 2.5e9, comparator="more_than")
    assert conflict(headline, body) is None
    assert conflict({**headline, "in_headline": 0}, body) is not None  # the same figure in a body conflicts


def test_a_change_is_compared_only_with_a_change_over_the_same_period():
    day = claim("a-day", predicate_id="share_price_change", round_id=None, value_number=3.5, value_unit="percent",
                date="2024", date_precision="year", date_latest="2024-12-31", date_period="P1D")
    year = claim("b-year", predicate_id="share_price_change", round_id=None, value_number=-9, value_unit="percent",
                 comparator="more_than", date="2024", date_precision="year", date_latest="2024-12-31",
                 date_period="P12M")
    assert set(comparison_keys(day)).isdisjoint(comparison_keys(year))
    assert conflict_rows([day, year], {}) == []
    assert len(conflict_rows([day, {**year, "date_period": "P1D"}], {})) == 1


def form(claim_id: str, quote: str, **values) -> dict:
    return claim(claim_id, predicate_id="investment_form", object_id="bigco", round_id=None,
                 value_text="cloud computing credits", value_phrase="cloud computing credits", quote=quote, **values)


def share(claim_id: str, **values) -> dict:
    return claim(claim_id, **{"predicate_id": "cloud_credit_share", "object_id": "bigco", "value_number": 0.5,
                              "value_unit": "fraction", "comparator": "nearly", "value_phrase": "nearly half",
                              **values})


def test_related_predicates_are_compared_and_described():
    rows = conflict_rows([form("a-form", "offering cloud computing credits instead of cash."), share("b-share")], {})
    assert [(r["conflict_id"], r["kind"], r["predicate_id"], r["related_predicate_id"]) for r in rows] == [
        ("a-form--b-share", "related", "investment_form", "cloud_credit_share")]
    assert "instead of cash" in rows[0]["description"] and "'nearly half'" in rows[0]["description"]


def test_a_form_that_does_not_replace_cash_is_not_compared_with_a_share():
    assert conflict_rows([form("a-form", "with credits among other things"), share("b-share")], {}) == []


def test_two_shares_of_different_rounds_do_not_meet_in_the_related_group():
    rows = conflict_rows([share("a-share"), share("b-share", round_id="acme-2023", value_number=0.9,
                                                    comparator="exact")], {})
    assert rows == []


def test_states_of_a_plan_are_compared():
    split = claim("a-split", predicate_id="restructuring", round_id=None, value_text="under_way",
                  value_phrase="orchestrating a multi-way split")
    cancelled = claim("b-cancel", predicate_id="restructuring", round_id=None, value_text="cancelled",
                      value_phrase="cancelled its ambitious restructuring plan", source_id="late")
    rows = conflict_rows([split, cancelled], {})
    assert [(r["kind"], r["gap_unit"]) for r in rows] == [("state", "state")]
    assert "orchestrating a multi-way split" in rows[0]["description"]
    assert conflict_rows([split, {**cancelled, "value_text": "under_way"}], {}) == []


@pytest.mark.parametrize("phrase,state", [
    ("orchestrating a multi-way split", "under_way"), ("cancelled its ambitious restructuring plan", "cancelled"),
])
def test_where_a_plan_stands(phrase, state):
    from etl.normalise.claims import _plan_state
    assert _plan_state(phrase) == state


# Round values


def test_the_sources_own_usd_figure_wins_over_the_ecb_rate():
    body = claim("b-body", amount=20e9, currency="CNY", amount_usd=2.8e9, usd_rule="ecb_rate", amount_usd_digits=2,
                 value_phrase="20 billion yuan", modality="company_statement")
    headline = usd("a-headline", 2.8e9, in_headline=1)
    row = chosen([body, headline], "valuation", "valuation", PUBLISHED)
    assert (row["valuation"], row["valuation_currency"], row["valuation_claim_id"]) == (20e9, "CNY", "b-body")
    assert (row["valuation_usd"], row["valuation_usd_rule"], row["valuation_usd_claim_id"]) == (
        2.8e9, "stated_in_text", "a-headline")
    assert row["valuation_modality"] == "company_statement"


def test_another_sources_usd_figure_does_not_replace_the_conversion():
    body = claim("b-body", amount=20e9, currency="CNY", amount_usd=2.8e9, usd_rule="ecb_rate", amount_usd_digits=2)
    other = usd("a-other", 2.8e9, in_headline=1, source_id="late")
    assert chosen([body, other], "valuation", "valuation", PUBLISHED)["valuation_usd_claim_id"] == "b-body"


def test_the_weakest_modality_is_shown():
    assert weakest([claim("a"), claim("b", modality="reported"), claim("c", modality="committed")]) == "committed"
    assert MODALITIES[0] == "stated"


def test_an_investor_funding_the_company_before_the_round_is_an_existing_investor():
    participant = claim("a-part", predicate_id="participating_investor", object_id="bigco", source_id="late")
    amount = usd("a-amount", 1e9, predicate_id="round_amount", source_id="late")
    before = claim("b-before", predicate_id="existing_investor", object_id="bigco", round_id=None)
    claims = [participant, amount, before]
    rows = investor_rows(by_round(claims), claims, PUBLISHED)
    assert [(r["investor_id"], r["is_existing_investor"], r["existing_claim_id"]) for r in rows] == [
        ("bigco", 1, "b-before")]
    round_first = [{**participant, "source_id": "early"}, {**amount, "source_id": "early"}]
    claims = [*round_first, {**before, "source_id": "late"}]  # published after the round
    rows = investor_rows(by_round(claims), claims, PUBLISHED)
    assert [r["is_existing_investor"] for r in rows] == [0]


def test_investors_come_by_round_then_investor_each_dated_by_its_own_rounds_first_report():
    late_round = [claim("c-part", predicate_id="participating_investor", object_id="zeta", round_id="acme-2025",
                        source_id="late"),
                  claim("d-lead", predicate_id="lead_investor", object_id="bigco", round_id="acme-2025",
                        source_id="late")]
    early_round = [claim("e-part", predicate_id="participating_investor", object_id="bigco", source_id="early")]
    before = claim("f-before", predicate_id="existing_investor", object_id="bigco", round_id=None, source_id="late")
    claims = [*late_round, *early_round, before]
    rows = investor_rows(by_round(claims), claims, PUBLISHED)
    assert [(r["round_id"], r["investor_id"], r["role"], r["existing_claim_id"]) for r in rows] == [
        ("acme-2024", "bigco", "participant", None),  # first reported early, before the late source
        ("acme-2025", "bigco", "lead", "f-before"), ("acme-2025", "zeta", "participant", None)]


def test_rounds_come_by_key_whatever_the_order_of_their_claims():
    claims = [usd("a-later", 2e9, round_id="acme-2025", source_id="late"), usd("b-earlier", 1e9)]
    errors = []
    rows = round_rows(by_round(claims), PUBLISHED, errors)
    assert [(r["round_id"], r["valuation_claim_id"]) for r in rows] == [("acme-2024", "b-earlier"),
                                                                         ("acme-2025", "a-later")]
    assert errors == []


# External evidence


def test_evidence_corroborates_or_conflicts_and_never_changes_a_claim():
    stated = usd("a-amount", 1e9, predicate_id="round_amount")
    evidence = {"evidence_id": "ev-x", "subject_id": "acme", "predicate_id": "round_amount", "object_id": None,
                "round_id": "acme-2024", "value_phrase": "US$1 billion", "comparator": "exact", "amount": 1e9,
                "currency": "USD", "amount_usd": 1e9, "usd_rule": "usd", "value_number": None, "value_unit": None,
                "date": None, "date_precision": None, "date_latest": None, "url": "https://example.org/x",
                "outlet": "Example", "outlet_date": None, "note": None, "in_headline": 0, "quote": "",
                "value_text": None}
    before = dict(stated)
    [row] = evidence_rows([evidence], [stated])
    assert (row["relation"], row["claim_id"], row["compared_count"]) == ("corroborates", "a-amount", 1)
    [row] = evidence_rows([{**evidence, "amount": 3e9, "amount_usd": 3e9}], [stated])
    assert row["relation"] == "conflicts" and "a-amount" in row["description"]
    [row] = evidence_rows([{**evidence, "round_id": "acme-2023"}], [stated])
    assert (row["relation"], row["claim_id"]) == ("not_compared", None)
    assert stated == before


# The real data


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict]]:
    return collect_rows()


def by(rows: list[dict], key: str) -> dict:
    return {row[key]: row for row in rows}


def test_claims_passed_on_from_others_say_from_whom(rows):
    passed_on = [c for c in rows["claims"] if c["attribution"] in ("named_outlet", "unnamed_sources")]
    assert passed_on and all(c["modality"] != "stated" and c["attributed_to"] for c in passed_on)
    moonshot = [c for c in rows["claims"] if c["source_id"] == "moonshot-milestone-2024-02-27"
                and c["round_id"] == "moonshot-2024"]
    assert moonshot and {c["attribution"] for c in moonshot} == {"unnamed_sources"}
    framed = [c for c in rows["claims"] if c["source_id"] == "benzinga-cloud-credits-2024"
              and c["predicate_id"] in ("investor", "investment_form")]
    assert framed and {c["attributed_to"] for c in framed} == {"the Financial Times"}


def test_an_age_gives_a_founding_range(rows):
    minimax = by(rows["entities"], "entity_id")["minimax"]
    assert (minimax["founded"], minimax["founded_precision"], minimax["founded_latest"]) == (
        "2021-03-06", "range", "2022-03-05")


def test_dates_resolved_against_an_inferred_publication_date_are_inferred(rows):
    inferred = {s["source_id"] for s in rows["sources"] if s["published_basis"] == "inferred"}
    assert not [c["claim_id"] for c in rows["claims"] if c["source_id"] in inferred and c["date_basis"] == "relative"]
    rounds = by(rows["funding_rounds"], "round_id")
    assert rounds["moonshot-2024"]["announced_basis"] == "inferred"
    assert rounds["baichuan-2024"]["announced_basis"] == "stated"  # the headline's "2024"
    assert rounds["minimax-2024"]["announced_basis"] == "stated"


def test_round_values_and_status(rows):
    rounds = by(rows["funding_rounds"], "round_id")
    baichuan = rounds["baichuan-2024"]
    assert (baichuan["valuation_usd"], baichuan["valuation_usd_claim_id"]) == (2.8e9, "bbg-headline-valuation")
    minimax = rounds["minimax-2024"]
    assert (minimax["status"], minimax["status_claim_id"]) == ("completed", "bbg-minimax-round-status")


def test_no_converted_figure_has_more_digits_than_its_source(rows):
    for c in rows["claims"]:
        if c.get("usd_rule") == "ecb_rate":
            assert c["amount_usd"] == float(f"{c['amount_usd']:.{c['amount_usd_digits']}g}"), c["claim_id"]


def test_alibaba_is_an_existing_investor_of_baichuan_2024(rows):
    row = next(r for r in rows["round_investors"] if (r["round_id"], r["investor_id"]) == ("baichuan-2024", "alibaba"))
    assert (row["is_existing_investor"], row["existing_claim_id"]) == (1, "bt-baichuan-existing-alibaba")


def test_every_conflict_is_described_and_none_is_an_artefact(rows):
    conflicts = rows["claim_conflicts"]
    assert all(c["claim_a"] in c["description"] and c["claim_b"] in c["description"] for c in conflicts)
    ids = {c["conflict_id"] for c in conflicts}
    assert "bt-headline-valuation--bt-minimax-valuation" not in ids
    assert "bz-alibaba-share-price-change--bz-alibaba-stock-12-months" not in ids
    assert {"state", "related"} <= {c["kind"] for c in conflicts}


def test_sources_with_an_address_say_how_it_was_matched(rows):
    for source in rows["sources"]:
        assert (source["url"] is None) == (source["url_match"] is None), source["source_id"]
    assert by(rows["sources"], "source_id")["bt-minimax-2024-03-05"]["publisher_name"] == "The Business Times"


def test_external_evidence_is_a_separate_tier(rows):
    claim_ids = {c["claim_id"] for c in rows["claims"]}
    evidence = rows["external_evidence"]
    assert evidence and not claim_ids & {e["evidence_id"] for e in evidence}
    assert all(e["url"].startswith("http") and len(e["value_phrase"]) <= 60 for e in evidence)
    assert all(e["claim_id"] in claim_ids for e in evidence if e["relation"] != "not_compared")


def test_a_value_that_is_no_change_is_compared_whatever_its_date_phrase():
    """A round's amount reported "last week" and "on 3 December" is one fact: the period only matters to changes."""
    last_week = claim("a-week", value_number=None, amount_usd=4e8, usd_rule="usd", comparator="exact",
                      date="2023-11-27", date_precision="week", date_latest="2023-12-03", date_period="P1W")
    on_a_day = {**last_week, "claim_id": "b-day", "amount_usd": 2e8, "date": "2023-12-03", "date_precision": "day",
                "date_latest": "2023-12-03", "date_period": None}
    assert [row["conflict_id"] for row in conflict_rows([last_week, on_a_day], {})] == ["a-week--b-day"]
