"""Reviewers start jobs (an import may add accepted claims, which is a review decision);
editors see them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("jobs")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view, add = (
        Permission.objects.get(content_type__app_label="jobs", codename=codename)
        for codename in ("view_job", "add_job")
    )
    for group in Group.objects.filter(name="Editors"):
        group.permissions.add(view)
    for group in Group.objects.filter(name="Reviewers"):
        group.permissions.add(view, add)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Reviewers"]):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="jobs"))


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_background_jobs"),
        ("claims", "0002_editor_and_reviewer_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
