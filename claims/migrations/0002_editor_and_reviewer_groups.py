"""Create the Editors and Reviewers groups with their permissions.

Permissions are normally created after all migrations run; they are created here first so
that the groups exist, fully equipped, from the first ``migrate`` on.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ONLY = [
    ("claims", "contradiction"),
    ("claims", "exchangerate"),
]
EDIT = [
    ("claims", "claim"),
    ("claims", "entity"),
    ("claims", "entityalias"),
    ("claims", "metric"),
    ("sources", "source"),
    ("sources", "publisher"),
]


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(pairs, actions):
        codenames = [f"{action}_{model}" for _, model in pairs for action in actions]
        found = Permission.objects.filter(
            content_type__app_label__in={app for app, _ in pairs}, codename__in=codenames
        )
        missing = set(codenames) - set(found.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions missing: {sorted(missing)}")
        return list(found)

    history = [(app, f"historical{model}") for app, model in EDIT + VIEW_ONLY]
    editor_perms = (
        perms(EDIT, ["add", "change", "view"])
        + perms(VIEW_ONLY, ["view"])
        + perms(history, ["view"])
        + perms([("claims", "entityalias")], ["delete"])
    )
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(editor_perms)

    reviewer_perms = (
        editor_perms
        + perms([("claims", "contradiction")], ["change"])
        + perms([("claims", "exchangerate")], ["add", "change"])
    )
    reviewer_perms += list(Permission.objects.filter(codename="review_claim"))
    reviewers, _ = Group.objects.get_or_create(name="Reviewers")
    reviewers.permissions.set(reviewer_perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Reviewers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("sources", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
