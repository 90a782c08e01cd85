"""Create a staff account for curation in the admin, in the Editors or Reviewers group."""

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create a staff account in the Editors (default) or Reviewers group. The password is "
        "asked for at the prompt, or read from the environment variable named by --password-env."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--group", choices=["Editors", "Reviewers"], default="Editors")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-env",
            default="",
            help="Name of an environment variable holding the password (for scripts).",
        )

    def handle(self, *args, username: str, group: str, email: str, password_env: str, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"An account named {username!r} already exists.")
        if password_env:
            password = os.environ.get(password_env, "")
            if not password:
                raise CommandError(f"The environment variable {password_env} is empty or unset.")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        user = User(username=username, email=email, is_staff=True)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=group))
        self.stdout.write(self.style.SUCCESS(f"Created {username} in {group}; log in at /admin/."))
