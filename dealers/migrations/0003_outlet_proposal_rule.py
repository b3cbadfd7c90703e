"""The approval rule that routes dealers' outlet proposals, and this release's permissions for
the standard roles of an existing installation (dealers.policies)."""

from django.db import migrations

from crm.accounts.signals import grant_new_permissions
from dealers.policies import NEW_PERMISSIONS


def create_rule(apps, schema_editor):
    from dealers.policies import ensure_outlet_proposal_rule

    ensure_outlet_proposal_rule(
        apps.get_model("approvals", "ApprovalRule"),
        apps.get_model("approvals", "ApprovalStep"),
        apps.get_model("contenttypes", "ContentType"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0005_request_import_job"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("dealers", "0002_cabinet_users_proposals_uploads_period_close"),
    ]

    operations = [
        migrations.RunPython(create_rule, migrations.RunPython.noop),
        grant_new_permissions("dealers", NEW_PERMISSIONS),
    ]
