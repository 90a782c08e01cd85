"""Store a text file as a source's full text, so that quotes can be verified against it.

With ``--propose`` claims are then proposed from the text by ``propose_claims`` (the claims
app's command, called by name: this app does not import claims).
"""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from sources.documents import UnreadableDocument, document_text
from sources.models import Publisher, Source
from sources.periods import read_published
from sources.services import source_save


class Command(BaseCommand):
    help = (
        "Store PATH as the text of a source: the one with --key (or this --title and "
        "--publisher) if it exists, else a new source. Existing claims' quotes must be in it."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--publisher", required=True, help="Publisher slug.")
        parser.add_argument("--title", required=True)
        parser.add_argument(
            "--published", default="", help="YYYY-MM-DD, YYYY-MM or YYYY; empty if unknown."
        )
        parser.add_argument("--key", default="", help="Source key; default: from the title.")
        parser.add_argument("--author", default="")
        parser.add_argument("--url", default="")
        parser.add_argument("--language", default="en")
        parser.add_argument("--reliability", default="", help="A–F; default: the publisher's.")
        parser.add_argument(
            "--propose",
            action="store_true",
            help="Then propose claims from the text for review (manage.py propose_claims).",
        )

    def handle(self, *args, path: Path, **options):
        try:
            text = document_text(path.name, path.read_bytes())
        except OSError as exc:
            raise CommandError(f"{path}: cannot read it ({exc}).") from exc
        except UnreadableDocument as exc:
            raise CommandError(f"{path}: {exc}") from exc
        publisher = Publisher.objects.filter(slug=options["publisher"]).first()
        if publisher is None:
            raise CommandError(f"--publisher {options['publisher']}: no publisher has this slug.")
        try:
            published, precision = read_published(options["published"])
        except ValidationError as exc:
            raise CommandError(f"--published: {' '.join(exc.messages)}") from exc
        key = options["key"] or slugify(options["title"])[:100]
        existing = (
            Source.objects.filter(key=key).first()
            or Source.objects.filter(title=options["title"], publisher=publisher).first()
        )
        values: dict[str, Any] = {"text": text}
        if existing is None:
            values |= {
                "key": key,
                "title": options["title"],
                "publisher": publisher,
                "author": options["author"],
                "url": options["url"],
                "published": published,
                "published_precision": precision,
                "language": options["language"],
                "reliability": options["reliability"],
            }
        try:
            source = source_save(
                source=existing, reason=f"Text ingested from {path.name}", **values
            )
        except ValidationError as exc:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            raise CommandError(f"Nothing was stored. {detail}") from exc
        verb = "Updated" if existing else "Created"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} source {source.key} with {len(text):,} characters of text "
                f"({source.claims.count()} claims verified)."
            )
        )
        if options["propose"]:
            call_command("propose_claims", source.key, stdout=self.stdout, stderr=self.stderr)
