"""Template tags of the legacy shop."""
