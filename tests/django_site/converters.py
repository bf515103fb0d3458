"""A path converter whose ``to_url`` reformats: years are always four digits."""

from __future__ import annotations


class FourDigitYear:
    """``<yyyy:year>``: matches four digits, builds 7 as ``0007``."""

    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{int(value):04d}"
