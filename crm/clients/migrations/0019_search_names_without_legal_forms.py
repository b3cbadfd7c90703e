"""Organisation names are searched without their legal form (ux.md): by the normalised name,
indexed since 0011, and the normalised legal name, indexed here. The two upper-case trigram
indexes go: an organisation write maintains two trigram indexes instead of three (ADR 0017)."""

import crm.clients.models
import django.contrib.postgres.indexes
from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_drop_event_fk_indexes"),
        ("clients", "0018_whole_table_region_owner_status_indexes"),
        ("refs", "0005_drop_event_fk_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="organisation",
            name="clients_org_name_trgm",
        ),
        migrations.RemoveIndex(
            model_name="organisation",
            name="clients_org_legal_name_trgm",
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    crm.clients.models.NormName("legal_name"), name="gin_trgm_ops"
                ),
                name="clients_org_legal_norm_trgm",
            ),
        ),
    ]
