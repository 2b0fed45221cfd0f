"""On PostgreSQL the ledger refuses UPDATE and DELETE of its rows, whoever sends them (a trigger),
so no code path and no hand-written statement can rewrite history. Nothing on SQLite."""

from django.db import migrations

FUNCTION = "inventory_stock_movement_append_only"
TRIGGER = "stock_movement_append_only"

CREATE = f"""
CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the stock ledger is append-only: % of a movement refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON inventory_stockmovement
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""
DROP = f"DROP TRIGGER {TRIGGER} ON inventory_stockmovement; DROP FUNCTION {FUNCTION}();"


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # no placeholders: RAISE uses %

    return run


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
