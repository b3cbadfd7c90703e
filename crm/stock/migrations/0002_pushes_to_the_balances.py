"""Triggers on other apps' tables that keep the balances' copies current (written by hand).

A balance copies its organisation's scope (region, org unit, manager, dealer) and its product's
group, so that the row rule and the filters read one row. When the source changes, these
triggers push the change; the balances' own BEFORE trigger recomputes the copies on that update.
They live here, with the balances (clients and catalog know nothing of stock), as the sales
ledger's do (crm/sales/migrations/0002). The names do not start with ``pgtrigger_``, so
pgtrigger's pruning leaves them alone.
"""

from django.db import migrations

ORGANISATION = """
CREATE FUNCTION stock_organisation_scope_to_balances() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stock_stockbalance SET region_id = NEW.region_id, org_unit_id = NEW.org_unit_id,
        owner_id = NEW.owner_id, dealer_id = COALESCE(NEW.parent_dealer_id, NEW.id)
    WHERE organisation_id = NEW.id
      AND (region_id, org_unit_id, owner_id, dealer_id) IS DISTINCT FROM
          (NEW.region_id, NEW.org_unit_id, NEW.owner_id, COALESCE(NEW.parent_dealer_id, NEW.id));
    RETURN NULL;
END $$;
CREATE TRIGGER stock_organisation_scope_to_balances
AFTER UPDATE OF region_id, org_unit_id, owner_id, parent_dealer_id ON clients_organisation
FOR EACH ROW WHEN (
    (OLD.region_id, OLD.org_unit_id, OLD.owner_id, OLD.parent_dealer_id) IS DISTINCT FROM
    (NEW.region_id, NEW.org_unit_id, NEW.owner_id, NEW.parent_dealer_id)
) EXECUTE FUNCTION stock_organisation_scope_to_balances();
"""

PRODUCT = """
CREATE FUNCTION stock_product_group_to_balances() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stock_stockbalance SET product_group_id = NEW.group_id
    WHERE product_id = NEW.id AND product_group_id IS DISTINCT FROM NEW.group_id;
    RETURN NULL;
END $$;
CREATE TRIGGER stock_product_group_to_balances
AFTER UPDATE OF group_id ON catalog_product
FOR EACH ROW WHEN (OLD.group_id IS DISTINCT FROM NEW.group_id)
EXECUTE FUNCTION stock_product_group_to_balances();
"""


def _drop(table: str, name: str) -> str:
    return f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();"


class Migration(migrations.Migration):
    dependencies = [
        ("stock", "0001_warehouses_and_balances"),
        ("clients", "__first__"),
        ("catalog", "__first__"),
    ]

    operations = [
        migrations.RunSQL(
            ORGANISATION,
            _drop("clients_organisation", "stock_organisation_scope_to_balances"),
        ),
        migrations.RunSQL(PRODUCT, _drop("catalog_product", "stock_product_group_to_balances")),
    ]
