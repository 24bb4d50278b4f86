"""NPS in Telegram: the client's question, the seller's link, alerts and the /nps report."""
