"""Give the standard roles their default permissions on clients (administrators edit them later).

Permissions are normally created after all migrations; create this app's now so they can be
granted here.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("view", "add", "change", "delete", "export")
MODELS = ("organisation", "contact", "interaction", "bankaccount")
DEFAULTS = {
    "administrator": dict.fromkeys(MODELS, ALL),
    "head_of_sales": dict.fromkeys(MODELS, ALL),
    "regional_manager": dict.fromkeys(MODELS, ("view", "add", "change", "export"))
    | {"interaction": ("view", "add", "change", "delete", "export")},
    "sales_manager": dict.fromkeys(MODELS, ("view", "add", "change"))
    | {"interaction": ("view", "add", "change", "delete")},
    "marketer": {"organisation": ("view",), "contact": ("view", "export")},
    "approver": dict.fromkeys(MODELS, ("view", "change")),
    "analyst": dict.fromkeys(MODELS, ("view", "export")),
    "dealer": {"organisation": ("view",)},
    "sub_dealer": {"organisation": ("view",)},
}


def grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("clients"), verbosity=0, apps=apps)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, models in DEFAULTS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        codenames = [
            f"{action}_{model}"
            for model, actions in models.items()
            for action in actions
            if not (action == "export" and model == "bankaccount")
        ]
        group.permissions.add(
            *permission_model.objects.filter(
                content_type__app_label="clients", codename__in=codenames
            )
        )


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_initial"), ("accounts", "0003_seed_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
