from django.db import models


class ProductDailyViews(models.Model):
    """Anonymous reads of one product on one UTC day.

    `product_id` is a plain column, not a foreign key: counts outlive a deleted product (reports
    still add them up) and a flush never fails on a product deleted since it was read.
    """

    product_id = models.BigIntegerField()
    day = models.DateField()
    views = models.BigIntegerField(default=0, help_text="Anonymous detail reads.")
    impressions = models.BigIntegerField(
        default=0, help_text="Appearances in anonymous list and search pages."
    )

    class Meta:
        verbose_name_plural = "product daily views"
        constraints = [
            models.UniqueConstraint(fields=("product_id", "day"), name="daily_views_product_day")
        ]
        indexes = [models.Index(fields=("day", "product_id"), name="daily_views_day_idx")]

    def __str__(self) -> str:
        return f"product {self.product_id} on {self.day}: {self.views} views"


class AppliedCountBatch(models.Model):
    """A batch of Redis counts already added to ProductDailyViews: applying it again is a no-op."""

    batch_id = models.CharField(max_length=64, primary_key=True)
    applied_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.batch_id
