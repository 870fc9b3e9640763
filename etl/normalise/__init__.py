"""Judgement on single claims: names, quotes, money, hedges, figures, dates and exchange rates."""
