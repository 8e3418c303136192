"""Amounts are Decimal end to end: DynamoDB returns numbers as Decimal."""

from decimal import ROUND_HALF_EVEN, Decimal


def format_eur(amount):
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    return f"{value:,.2f} EUR"
