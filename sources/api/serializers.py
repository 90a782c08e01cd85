"""JSON shapes of publishers and sources."""

from rest_framework import serializers

from qwenkb.api import StrictSerializer
from sources.choices import Reliability
from sources.models import Publisher, Source
from sources.services import SOURCE_FIELDS


class PublisherSerializer(serializers.ModelSerializer):
    """A publisher and its default reliability."""

    class Meta:
        model = Publisher
        fields = ["slug", "name", "url", "reliability", "description"]


class PublisherWriteSerializer(StrictSerializer):
    """What an editor sends to create or change a publisher (PUT: every field; PATCH: some).

    A new grade passes to the publisher's sources that carry its old one by default.
    """

    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=200)
    url = serializers.URLField(required=False, allow_blank=True, max_length=200)
    reliability = serializers.ChoiceField(
        choices=Reliability.choices,
        required=False,
        help_text="Default grade of its sources, A (completely reliable) to F (cannot be judged).",
    )
    description = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, write_only=True)


class SourceSerializer(serializers.ModelSerializer):
    """A source's metadata (its full text is not sent; `has_text` says whether it is stored)."""

    publisher = PublisherSerializer()
    has_text = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = ["id", *(f for f in SOURCE_FIELDS if f != "text"), "has_text"]

    def get_has_text(self, source: Source) -> bool:
        return bool(source.text)


class SourceWriteSerializer(StrictSerializer):
    """What an editor sends to create or change a source."""

    key = serializers.SlugField(max_length=100)
    title = serializers.CharField(max_length=500)
    publisher = serializers.SlugField(help_text="The publisher's slug.")
    author = serializers.CharField(required=False, allow_blank=True, max_length=200)
    url = serializers.URLField(required=False, allow_blank=True, max_length=1000)
    published = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="YYYY-MM-DD, YYYY-MM or YYYY."
    )
    published_inferred = serializers.BooleanField(required=False)
    published_note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    language = serializers.CharField(required=False, max_length=20)
    reliability = serializers.ChoiceField(
        choices=Reliability.choices, required=False, allow_blank=True
    )
    reliability_reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    reason = serializers.CharField(required=False, allow_blank=True, write_only=True)
