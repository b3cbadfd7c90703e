"""Create the roles every installation has (see crm/accounts/roles.py)."""

from django.db import migrations

ROLES = (
    "administrator",
    "head_of_sales",
    "regional_manager",
    "sales_manager",
    "marketer",
    "approver",
    "analyst",
    "dealer",
    "sub_dealer",
    "auditor",
    "data_contractor",
)


def create_roles(apps, schema_editor):
    group = apps.get_model("auth", "Group")
    for name in ROLES:
        group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
