"""`/plan`: a head sets each seller's monthly plan by buttons, typed amounts or a CSV file."""
