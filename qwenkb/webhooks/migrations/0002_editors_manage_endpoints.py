"""Editors and reviewers register webhook endpoints and read their deliveries."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("webhooks")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{a}_endpoint" for a in ("add", "change", "delete", "view")] + ["view_delivery"]
    perms = list(Permission.objects.filter(content_type__app_label="webhooks", codename__in=codenames))
    if len(perms) != len(codenames):
        raise RuntimeError("webhooks permissions missing")
    for group in Group.objects.filter(name__in=["Editors", "Reviewers"]):
        group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Reviewers"]):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="webhooks"))


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_endpoints_and_deliveries"),
        ("claims", "0002_editor_and_reviewer_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
