"""The shop's one model."""

from __future__ import annotations

from django.db import models


class Product(models.Model):
    """Something for sale. The new apps read this table too (``data.py``)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField()
    price_cents = models.PositiveIntegerField()

    class Meta:
        db_table = "shop_product"
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.name

    @property
    def price(self) -> str:
        """The price for display, e.g. ``"12.50"``."""
        return f"{self.price_cents / 100:.2f}"
