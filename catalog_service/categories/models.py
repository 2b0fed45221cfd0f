from django.db import models
from tree_queries.models import TreeNode

from catalog_service.core.models import TimeStampedModel
from catalog_service.core.text import single_line_validator


class Category(TreeNode, TimeStampedModel):
    """A node of the category tree. Only the parent link is stored, so the tree cannot become
    inconsistent: subtrees and ancestors are read with recursive queries (django-tree-queries),
    and a move is one update of `parent`."""

    # PROTECT, not TreeNode's CASCADE: deleting a category never takes a subtree with it.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=100, validators=[single_line_validator])
    slug = models.SlugField(max_length=100, allow_unicode=False)

    class Meta:
        ordering = ("name", "id")
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                fields=("parent", "slug"),
                name="category_slug_unique_among_siblings",
                violation_error_message="A sibling category already has this slug.",
            ),
            models.UniqueConstraint(
                fields=("slug",),
                condition=models.Q(parent__isnull=True),
                name="category_slug_unique_among_roots",
                violation_error_message="A top-level category already has this slug.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def change_display(self) -> str:
        """How a product's change history shows it: its path from the root. Read once per
        instance: an import shows the same few categories in thousands of histories, and an
        instance lives for one request or job."""
        if getattr(self, "_change_display", None) is None:
            names = [node.name for node in self.ancestors(include_self=True)]
            self._change_display = " / ".join(names)
        return self._change_display
