"""Migrations of the legacy shop."""
