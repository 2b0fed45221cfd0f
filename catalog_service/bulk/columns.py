"""The catalog's file format, one definition for export and import.

Columns, in this order: the product's writable fields (Product.WRITABLE_FIELDS: a new one
appears here with its migration), then what an import cannot set. A brand is written by its
name, a category by its path of names from the root ("Furniture > Office chairs"), as product
feeds show them; an empty category cell is no category.
"""

from catalog_service.catalog.models import Product

CATEGORY_SEPARATOR = " > "
IMPORTED = Product.WRITABLE_FIELDS
# Exported for the reader; an import accepts the columns (so an export imports as it is) and
# ignores them: stock changes go through the inventory's ledger (receipts, adjustments), never a
# file of totals. The stock columns sum the product's active locations.
READ_ONLY = ("availability", "stock_on_hand", "stock_available")
COLUMNS = (*IMPORTED, *READ_ONLY)
# Every import names these; `category` may be left out (then no product's category changes).
REQUIRED = tuple(name for name in IMPORTED if not Product._meta.get_field(name).null)


def category_text(path: list[dict] | None) -> str:
    return CATEGORY_SEPARATOR.join(node["name"] for node in path) if path else ""


def product_values(product) -> dict:
    """A product (brand selected, `category_path` and the stock totals set) as the file shows
    it."""
    values = {}
    for name in COLUMNS:
        if name == "brand":
            values[name] = product.brand.name
        elif name == "category":
            values[name] = category_text(product.category_path)
        else:
            value = getattr(product, name)
            values[name] = value if isinstance(value, str) else str(value)
    return values
