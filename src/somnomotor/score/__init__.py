"""Scoring rules that turn detected or scored events into series and indices."""
