"""Product search (catalog.search): the words table, and on PostgreSQL the extensions and the
trigram indexes. On SQLite (`make run`) only the table: the PostgreSQL steps do nothing there.

The indexes are not in the models' state (Product.Meta.indexes): a GIN index cannot exist on
SQLite, whose table rebuilds recreate every index of the state."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import CreateExtension, TrigramExtension
from django.db import migrations, models
from django.db.migrations.operations.base import Operation

POSTGRESQL = "postgresql"


class OnPostgreSQL(Operation):
    """`operation` on PostgreSQL databases, nothing elsewhere, both ways."""

    reversible = True

    def __init__(self, operation):
        self.operation = operation

    def deconstruct(self):
        return (self.__class__.__name__, [self.operation], {})

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == POSTGRESQL:
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == POSTGRESQL:
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.operation.describe()} (PostgreSQL only)"


class AddTrigramIndex(Operation):
    """A GIN trigram index on product.<field>, outside the models' state (module doc)."""

    reversible = True

    def __init__(self, field, name):
        self.field, self.name = field, name

    def deconstruct(self):
        return (self.__class__.__name__, [self.field, self.name], {})

    def index(self):
        return GinIndex(fields=[self.field], opclasses=["gin_trgm_ops"], name=self.name)

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        schema_editor.add_index(to_state.apps.get_model(app_label, "product"), self.index())

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        schema_editor.remove_index(from_state.apps.get_model(app_label, "product"), self.index())

    def describe(self):
        return f"Create trigram index {self.name} on product.{self.field}"


def words_fill(apps, schema_editor):
    """The words of the existing products (search_words_rebuild does the same later)."""
    from catalog_service.catalog.search import name_words

    product = apps.get_model("catalog", "Product")
    search_word = apps.get_model("catalog", "SearchWord")
    using = schema_editor.connection.alias
    words = set()
    names = product.objects.using(using).values_list("name", flat=True)
    for name in names.iterator(chunk_size=5000):
        words |= name_words(name)
    search_word.objects.using(using).bulk_create(
        [search_word(word=word) for word in sorted(words)], batch_size=1000, ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_product_category"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("word", models.CharField(max_length=64, primary_key=True, serialize=False)),
            ],
        ),
        OnPostgreSQL(TrigramExtension()),
        OnPostgreSQL(CreateExtension("fuzzystrmatch")),  # levenshtein_less_equal
        OnPostgreSQL(AddTrigramIndex("name", "product_name_trgm")),
        OnPostgreSQL(AddTrigramIndex("sku", "product_sku_trgm")),
        migrations.RunPython(words_fill, migrations.RunPython.noop),
    ]
