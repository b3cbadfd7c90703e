"""Triggers on other apps' tables that keep the ledger's copies current (written by hand).

Lines and plans copy their organisation's scope (region, org unit, manager, dealer) and lines
copy their product's group, so that the row rule and the roll-ups read one row. When the source
changes, these triggers push the change: an organisation's new region or parent dealer to its
lines and plans, a product's new group to its lines, an outlet's new dealer to its plans. The
lines' own BEFORE trigger recomputes the copies on that update and their statement triggers move
the monthly sums.

They live here, with the ledger, not in the apps that own the tables: clients, catalog and
outlets know nothing of sales. pgtrigger's proxy-model route was not taken: a proxy of
Organisation would show up in the merge registry as a new relation to organisations. The names
do not start with ``pgtrigger_``, so pgtrigger's pruning leaves them alone.
"""

from django.db import migrations

ORGANISATION = """
CREATE FUNCTION sales_organisation_scope_to_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sales_salesline SET region_id = NEW.region_id, org_unit_id = NEW.org_unit_id,
        owner_id = NEW.owner_id, dealer_id = COALESCE(NEW.parent_dealer_id, NEW.id)
    WHERE organisation_id = NEW.id
      AND (region_id, org_unit_id, owner_id, dealer_id) IS DISTINCT FROM
          (NEW.region_id, NEW.org_unit_id, NEW.owner_id, COALESCE(NEW.parent_dealer_id, NEW.id));
    UPDATE sales_plan SET region_id = NEW.region_id, org_unit_id = NEW.org_unit_id,
        owner_id = NEW.owner_id, dealer_id = COALESCE(NEW.parent_dealer_id, NEW.id)
    WHERE organisation_id = NEW.id
      AND (region_id, org_unit_id, owner_id, dealer_id) IS DISTINCT FROM
          (NEW.region_id, NEW.org_unit_id, NEW.owner_id, COALESCE(NEW.parent_dealer_id, NEW.id));
    RETURN NULL;
END $$;
CREATE TRIGGER sales_organisation_scope_to_ledger
AFTER UPDATE OF region_id, org_unit_id, owner_id, parent_dealer_id ON clients_organisation
FOR EACH ROW WHEN (
    (OLD.region_id, OLD.org_unit_id, OLD.owner_id, OLD.parent_dealer_id) IS DISTINCT FROM
    (NEW.region_id, NEW.org_unit_id, NEW.owner_id, NEW.parent_dealer_id)
) EXECUTE FUNCTION sales_organisation_scope_to_ledger();
"""

PRODUCT = """
CREATE FUNCTION sales_product_group_to_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sales_salesline SET product_group_id = NEW.group_id
    WHERE product_id = NEW.id AND product_group_id IS DISTINCT FROM NEW.group_id;
    RETURN NULL;
END $$;
CREATE TRIGGER sales_product_group_to_lines
AFTER UPDATE OF group_id ON catalog_product
FOR EACH ROW WHEN (OLD.group_id IS DISTINCT FROM NEW.group_id)
EXECUTE FUNCTION sales_product_group_to_lines();
"""

OUTLET = """
CREATE FUNCTION sales_outlet_dealer_to_plans() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sales_plan SET organisation_id = NEW.dealer_id
    WHERE outlet_id = NEW.id AND organisation_id IS DISTINCT FROM NEW.dealer_id;
    RETURN NULL;
END $$;
CREATE TRIGGER sales_outlet_dealer_to_plans
AFTER UPDATE OF dealer_id ON outlets_outlet
FOR EACH ROW WHEN (OLD.dealer_id IS DISTINCT FROM NEW.dealer_id)
EXECUTE FUNCTION sales_outlet_dealer_to_plans();
"""


def _drop(table: str, name: str) -> str:
    return f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();"


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            ORGANISATION,
            _drop("clients_organisation", "sales_organisation_scope_to_ledger"),
        ),
        migrations.RunSQL(PRODUCT, _drop("catalog_product", "sales_product_group_to_lines")),
        migrations.RunSQL(OUTLET, _drop("outlets_outlet", "sales_outlet_dealer_to_plans")),
    ]
