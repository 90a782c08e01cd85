"""A source's claims, edited on the source's page: the claims app extends the sources admin
(sources never imports claims), and every claim written there goes through the services."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from claims import services
from claims.admin.claims import report_opened
from claims.admin.forms import ClaimInlineForm
from claims.jobs.models import JobKind
from claims.jobs.services import job_queue
from claims.models import Claim
from sources.admin import SourceAdmin
from sources.models import Source


class ClaimInline(admin.StackedInline):
    """The claims a source makes, in document order."""

    model = Claim
    form = ClaimInlineForm
    fk_name = "source"
    extra = 0
    autocomplete_fields = ["subject", "metric", "attributed_to"]
    fields = [
        ("subject", "metric"),
        ("value_text", "status", "rank"),
        "quote",
        ("attributed_to", "as_of", "as_of_text"),
    ]
    ordering = ["quote_offset", "id"]
    show_change_link = True
    classes = ["collapse"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("claims.review_claim"):
            fields += ["status", "rank"]  # review decisions are the reviewers'
        return fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("subject", "metric", "attributed_to", "source")
        )


class SourceWithClaimsAdmin(SourceAdmin):
    """Sources with their claims inline (on an existing source's page), and claims proposed
    from their text ("Save and propose claims", or the action on the list) by a background
    job once the source is saved (``claims.jobs``: a worker, or this process after commit)."""

    inlines = [ClaimInline]
    actions = ["propose"]
    change_form_template = "admin/sources/source/change_form.html"

    @admin.action(description="Propose claims from the selected sources' texts")
    def propose(self, request, queryset):
        for source in queryset:
            self._propose(request, source)

    def _propose(self, request, source: Source) -> None:
        try:
            job = job_queue(kind=JobKind.PROPOSE, user=request.user, source=source)
        except ValidationError as error:
            self.message_user(request, f"{source}: {' '.join(error.messages)}", messages.ERROR)
            return
        self.message_user(
            request,
            format_html(
                '{}: claims are being proposed from its text (<a href="{}">job {}</a>); '
                "they join the Proposals queue when it is done.",
                source,
                reverse("admin:jobs_job_change", args=[job.pk]),
                job.pk,
            ),
            messages.SUCCESS,
        )

    def _to_queue(self, request, source: Source) -> HttpResponseRedirect:
        self._propose(request, source)
        return HttpResponseRedirect(
            reverse("admin:claims_proposal_changelist") + f"?source={source.pk}"
        )

    def response_add(self, request, obj, post_url_continue=None):
        if "_propose" in request.POST:
            return self._to_queue(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_propose" in request.POST:
            return self._to_queue(request, obj)
        return super().response_change(request, obj)

    def get_inlines(self, request, obj):
        # Claims are checked against their source, so a new source is saved first.
        return self.inlines if obj is not None else []

    def save_formset(self, request, form, formset, change):
        """Claims edited on their source's page go through the claim services, one by one.

        ``formset.save()`` is not called (it would write around the services), so the lists
        Django's change message reads are filled here: what was added, changed and removed.
        """
        if formset.model is not Claim:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                services.claim_reject(
                    claim=inline_form.instance,
                    user=request.user,
                    reason="Removed on its source page",
                )
                formset.deleted_objects.append(inline_form.instance)
        for inline_form in formset.forms:
            if not inline_form.has_changed() or inline_form in formset.deleted_forms:
                continue
            inputs = inline_form.service_inputs()
            inputs["source"] = form.instance
            if inline_form.instance.pk:
                result = services.claim_update(
                    claim=inline_form.instance, user=request.user, **inputs
                )
                formset.changed_objects.append((result.claim, inline_form.changed_data))
            else:
                result = services.claim_create(user=request.user, **inputs)
                formset.new_objects.append(result.claim)
            report_opened(request, result.opened)
        return None


admin.site.unregister(Source)
admin.site.register(Source, SourceWithClaimsAdmin)
