"""Kept for migration history: the roles' default permissions on clients are granted by
crm.accounts.signals.grant_default_permissions after every migrate (crm/accounts/roles.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_initial"), ("accounts", "0003_seed_roles")]
    operations = []
