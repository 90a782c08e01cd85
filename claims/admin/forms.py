"""Admin forms that validate through the services, so errors land on the right field."""

from django import forms
from django.core.exceptions import ValidationError

from claims.models import Claim
from claims.services import CLAIM_INPUT_FIELDS, claim_prepare
from claims.values.claim_value import FIELDS as VALUE_FIELDS_READ
from sources.periods import format_period

# What the form does not show but reads from the value and the source: set on the instance so
# that the model's own validation sees the claim as it will be stored.
VALUE_FIELDS = (*VALUE_FIELDS_READ, "as_of_start", "as_of_end", "as_of_precision", "quote_offset")


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's field errors on the form's fields (or on the form when it has no such field)."""
    for field, messages in error.message_dict.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class ClaimAdminForm(forms.ModelForm):
    """A claim as an editor writes it: the value as written, read and checked on save."""

    as_of = forms.CharField(
        label="As of",
        required=False,
        help_text=(
            "When the claim holds, as written (\u201cMarch 22\u201328, 2026\u201d, "
            "\u201cearly 2026\u201d). Empty: the source's date."
        ),
    )
    as_of_text = forms.CharField(
        label="As of, in the source's words",
        required=False,
        strip=False,  # the service strips; a phrase is read as given, never cut
        help_text=(
            "Instead of the period: the source's own words (\u201cby the end of January\u201d, "
            "\u201cas of this month\u201d), read against the source's date."
        ),
    )
    reason = forms.CharField(
        label="Reason for this change",
        required=False,
        help_text="Kept in the history.",
    )

    class Meta:
        model = Claim
        fields = [
            "subject",
            "metric",
            "value_text",
            "source",
            "quote",
            "attributed_to",
            "status",
            "rank",
            "notes",
        ]
        widgets = {
            "quote": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        claim = self.instance
        if claim.pk and claim.as_of_start is not None:
            default = (claim.source.published, claim.source.published_precision)
            if (claim.as_of_start, claim.as_of_precision) != default:
                self.fields["as_of"].initial = format_period(
                    claim.as_of_start, claim.as_of_end, claim.as_of_precision
                )
        self.prepared: dict = {}

    def _parent_source(self):
        return self.cleaned_data.get("source")

    def _as_of_input(self):
        text = self.cleaned_data.get("as_of", "").strip()
        claim = self.instance
        if text:
            if claim.pk and text == format_period(
                claim.as_of_start, claim.as_of_end, claim.as_of_precision
            ):
                return (claim.as_of_start, claim.as_of_end, claim.as_of_precision)
            return text
        return None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.prepared = claim_prepare(
                subject=cleaned.get("subject"),
                metric=cleaned.get("metric"),
                source=self._parent_source(),
                value_text=cleaned.get("value_text", ""),
                quote=cleaned.get("quote", ""),
                attributed_to=cleaned.get("attributed_to"),
                as_of=self._as_of_input(),
                as_of_text=cleaned.get("as_of_text") or None,
                # Read-only for editors: then the claim keeps what it has.
                status=cleaned.get("status", self.instance.status),
                rank=cleaned.get("rank", self.instance.rank),
                notes=cleaned.get("notes", ""),
            )
        except ValidationError as error:
            add_errors(self, error)
            return cleaned
        for name in VALUE_FIELDS:
            setattr(self.instance, name, self.prepared[name])
        return cleaned

    def service_inputs(self) -> dict:
        """What the claim services take: the fields this form shows, with the source."""
        data = self.cleaned_data
        inputs = {name: data[name] for name in CLAIM_INPUT_FIELDS if name in data}
        inputs["source"] = self._parent_source()
        inputs["as_of"] = self._as_of_input()
        inputs["as_of_text"] = data.get("as_of_text") or None
        return inputs


class ClaimInlineForm(ClaimAdminForm):
    """A claim edited on its source's page; the source is the page's."""

    class Meta(ClaimAdminForm.Meta):
        fields = ["subject", "metric", "value_text", "quote", "attributed_to", "status", "rank"]
        widgets = {"quote": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["reason"]
        self.fields["as_of"].help_text = "Empty: the source's date."

    def _parent_source(self):
        return self.instance.source if self.instance.source_id else None


class NoteForm(forms.Form):
    """A note required by an admin action."""

    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=True)
