"""Deals in Telegram: the /new flow, the deal card, the list and the search."""
