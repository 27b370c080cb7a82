"""Outputs for people: the output contract (events.tsv, summary.json), text summary, HTML/PDF report."""
