"""Judgement across claims: funding rounds, their investors, founding dates and conflicts."""
