"""Reviewers start a rescan or upload an import here; the list shows each job's outcome,
with the proposals queued for new sources' texts ("Save and propose claims")."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.timezone import localtime

from claims.jobs.models import Job, JobKind
from claims.jobs.services import job_check, job_queue, jobs_abandon


class JobForm(forms.ModelForm):
    """What to run: a rescan (optionally of one subject or metric) or an uploaded file."""

    upload = forms.FileField(required=False, help_text="JSON Lines or CSV, as import_claims reads.")

    class Meta:
        model = Job
        fields = ["kind", "subject", "metric"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Proposals are queued from the source they are made from.
        if "kind" in self.fields:  # not on a job's page, which only shows it
            self.fields["kind"].choices = [
                (value, label) for value, label in self.fields["kind"].choices
                if value != JobKind.PROPOSE
            ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        job_check(kind=cleaned.get("kind"), upload=cleaned.get("upload"))
        return cleaned


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Background jobs: queued from here, run by a worker, reported here."""

    form = JobForm
    list_display = ["pk", "kind", "what", "state", "requested_by", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["source", "requested_by"]
    readonly_fields = [
        "status",
        "filename",
        "source",
        "report",
        "requested_by",
        "started_at",
        "heartbeat_at",
        "finished_at",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "subject", "metric", "upload"]
        return ["kind", "subject", "metric", *self.readonly_fields]

    @admin.display(description="of")
    def what(self, job: Job) -> str:
        if job.kind == JobKind.PROPOSE:
            return str(job.source or "a deleted source")
        return job.filename

    @admin.display(description="status", ordering="status")
    def state(self, job: Job) -> str:
        """The status, and for a running job whose worker fell silent, since when."""
        if not job.silent(timezone.now()):
            return job.get_status_display()
        last = job.last_heard
        if last is None:
            return "running, its worker never heard from"
        return f"running, its worker silent since {localtime(last):%Y-%m-%d %H:%M}"

    actions = ["abandon"]

    @admin.action(description="Mark failed: its worker stopped", permissions=["add"])
    def abandon(self, request, queryset):
        marked = jobs_abandon(jobs=queryset, user=request.user)
        left = queryset.count() - marked
        message = f"Marked failed: {marked} job(s)."
        if left:
            message += f" Left as they were: {left} job(s) that had already finished."
        messages.info(request, message)

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        job = job_queue(
            kind=form.cleaned_data["kind"],
            user=request.user,
            upload=form.cleaned_data.get("upload"),
            subject=form.cleaned_data.get("subject"),
            metric=form.cleaned_data.get("metric"),
        )
        obj.pk = job.pk
        messages.info(request, f"Job {job.pk} queued: its report appears here when it has run.")

    def save_related(self, request, form, formsets, change):
        pass
