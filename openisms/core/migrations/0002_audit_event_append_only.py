from django.db import migrations

from openisms.core import audit_triggers


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(audit_triggers.install, audit_triggers.uninstall)]
