"""Store a text file as a source's full text, so that quotes can be verified against it."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

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

    def handle(self, *args, path: Path, **options):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot read it as UTF-8 text ({exc}).") from exc
        if not text.strip():
            raise CommandError(f"{path}: the file is empty.")
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
