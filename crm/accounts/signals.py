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
