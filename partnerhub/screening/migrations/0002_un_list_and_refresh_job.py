"""The UN Security Council Consolidated List as a source, and the refresh job, both switched off.

The scheduler creates rows for registered jobs switched on; this row exists first, so `sync_jobs` keeps
it off until an administrator turns it on (and a list's own automatic refresh must be on as well).
"""

from django.db import migrations

UN_LIST_URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
JOB = "screening.refresh_sanctions_lists"


def forwards(apps, schema_editor):
    ListSource = apps.get_model("screening", "ListSource")
    PeriodicJob = apps.get_model("core", "PeriodicJob")
    ListSource.objects.get_or_create(
        code="un-sc",
        defaults={
            "name": "UN Security Council Consolidated List",
            "format": "un-xml",
            "refresh_url": UN_LIST_URL,
            "refresh_enabled": False,
        },
    )
    PeriodicJob.objects.get_or_create(
        name=JOB,
        defaults={
            "task_path": "partnerhub.screening.tasks.refresh_sanctions_lists",
            "schedule": "daily 05:00",
            "enabled": False,
            "description": "Download the sanctions lists whose automatic refresh is on, and load any new snapshot.",
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("core", "PeriodicJob").objects.filter(name=JOB).delete()
    ListSource = apps.get_model("screening", "ListSource")
    ListSource.objects.filter(code="un-sc", snapshots__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_auditlog_append_only"),
        ("screening", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
