"""Needs as JSON (added once services/needs.py lands)."""
