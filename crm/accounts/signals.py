"""Default permissions of the standard roles, applied after migrate (and after a test flush)."""

from django.contrib.auth.models import Group, Permission

from crm.accounts.roles import ALL_ROLES, DEFAULT_PERMISSIONS


def grant_default_permissions(sender, app_config=None, using="default", **kwargs):
    """Make sure every standard role exists, and give each its default permissions of an app
    unless it has some of that app already (an administrator's choices are never
    overwritten)."""
    if getattr(app_config, "label", None) == "accounts":
        for role in ALL_ROLES:
            Group.objects.using(using).get_or_create(name=role)
    defaults = DEFAULT_PERMISSIONS.get(getattr(app_config, "label", None))
    if not defaults:
        return
    label = app_config.label
    available = {
        codename: pk
        for pk, codename in Permission.objects.using(using)
        .filter(content_type__app_label=label)
        .values_list("pk", "codename")
    }
    for role, models in defaults.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        if group.permissions.filter(content_type__app_label=label).exists():
            continue
        wanted = [
            available[f"{action}_{model}"]
            for model, actions in models.items()
            for action in actions
            if f"{action}_{model}" in available
        ]
        group.permissions.add(*wanted)


def grant_new_permissions(app_label: str, codenames: tuple[str, ...]):
    """A migration operation for a release that adds permissions to an app: the standard
    roles whose defaults include them get them now (existing installations; a new one gets
    them from ``grant_default_permissions``). Roles that do not exist yet are skipped."""
    from django.db import migrations

    def forwards(apps, schema_editor):
        from django.contrib.auth.management import create_permissions

        config = apps.get_app_config(app_label)
        config.models_module = getattr(config, "models_module", None) or True  # a state stub
        create_permissions(config, verbosity=0, apps=apps)
        group_model = apps.get_model("auth", "Group")
        permission_model = apps.get_model("auth", "Permission")
        found = {
            p.codename: p
            for p in permission_model.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        }
        for role, models in DEFAULT_PERMISSIONS.get(app_label, {}).items():
            group = group_model.objects.filter(name=role).first()
            if (
                group is None
                or not group.permissions.filter(content_type__app_label=app_label).exists()
            ):
                continue  # a role without this app's permissions gets all defaults later
            wanted = [
                found[f"{action}_{model}"]
                for model, actions in models.items()
                for action in actions
                if f"{action}_{model}" in found
            ]
            group.permissions.add(*wanted)

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)
