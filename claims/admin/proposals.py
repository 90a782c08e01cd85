"""The Proposals queue: proposed claims beside their sentence, accepted, corrected or rejected.

One page lists the claims waiting for review (``?source=ID`` narrows it to one source), each
with its sentence highlighted in the source's text (figure, cue and entity mention marked),
the extractor's reason and confidence, and the pending contradictions it would open. Each row
is its own form (accept, save a correction, reject); checkboxes feed one bulk form. The open
new-entity candidates stored for the listed sources (every source, without ``?source=``) are
created, mapped to an existing entity or dismissed in one step.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from claims import services
from claims.choices import CandidateStatus, ClaimStatus, ContradictionStatus, EntityKind
from claims.models import Claim, Contradiction, EntityCandidate, Metric, Proposal
from claims.selectors import entity_resolve
from sources.models import Source

CONTEXT = 160  # characters of the source's text shown on each side of the sentence
MAX_CANDIDATES = 100  # open candidates shown at once, oldest first


class CorrectionForm(forms.Form):
    """What an editor may correct on a proposal before accepting it."""

    subject = forms.CharField(label="Subject", help_text="Slug, name or alias.")
    metric = forms.ModelChoiceField(queryset=Metric.objects.order_by("name"), to_field_name="slug")
    value_text = forms.CharField(label="Value as written", max_length=300)
    as_of = forms.CharField(label="As of", required=False, help_text="Empty: keep it.")

    def clean_subject(self):
        entity = entity_resolve(self.cleaned_data["subject"])
        if entity is None:
            raise forms.ValidationError(
                f"No entity is named \u201c{self.cleaned_data['subject']}\u201d (name or alias)."
            )
        return entity


def highlighted(claim: Claim) -> str:
    """The claim's sentence in its source's text, with figure, cue and mention marked."""
    text = claim.source.text or ""
    start = claim.quote_offset
    if start is None:
        return format_html("<q>{}</q>", claim.quote)
    end = start + len(claim.quote)
    record = claim.extraction or {}
    marks = []
    for key, tag in (("figure_span", "mark"), ("cue_span", "u"), ("mention_span", "strong")):
        span = record.get(key)
        if span and start <= span[0] < span[1] <= end:
            marks.append((span[0], span[1], tag))
    marks.sort()
    pieces, at = [], start
    for m_start, m_end, tag in marks:
        if m_start < at:
            continue  # overlapping marks: the first one stands
        pieces.append(format_html("{}", text[at:m_start]))
        pieces.append(format_html("<{0}>{1}</{0}>", mark_safe(tag), text[m_start:m_end]))
        at = m_end
    pieces.append(format_html("{}", text[at:end]))
    before = text[max(0, start - CONTEXT) : start]
    after = text[end : end + CONTEXT]
    return format_html(
        '<span class="context">{}{}</span><span class="sentence">{}</span>'
        '<span class="context">{}{}</span>',
        "\u2026" if start > CONTEXT else "",
        before,
        mark_safe("".join(pieces)),
        after,
        "\u2026" if end + CONTEXT < len(text) else "",
    )


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """The review queue of proposed claims (editors correct, reviewers accept or reject)."""

    def get_queryset(self, request):
        return Claim.objects.filter(status=ClaimStatus.PROPOSED)

    def has_add_permission(self, request):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("claims.view_claim")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("claims.change_claim")

    def has_delete_permission(self, request, obj=None):
        return False

    def get_model_perms(self, request):
        return {"view": self.has_view_permission(request), "change": False, "add": False}

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied
            self._act(request)
            return HttpResponseRedirect(request.get_full_path())
        claims = (
            self.get_queryset(request)
            .select_related("subject", "metric", "source", "attributed_to")
            .order_by("source_id", "quote_offset", "id")
        )
        source = None
        if request.GET.get("source", "").isdigit():
            source = Source.objects.filter(pk=int(request.GET["source"])).first()
            claims = claims.filter(source=source)
        claims = list(claims[:200])
        conflicts = self._conflicts(claims)
        rows = [
            {
                "claim": claim,
                "sentence": highlighted(claim),
                "record": claim.extraction or {},
                "conflicts": conflicts.get(claim.pk, []),
                "form": CorrectionForm(
                    prefix=f"c{claim.pk}",
                    initial={
                        "subject": claim.subject.slug,
                        "metric": claim.metric.slug,
                        "value_text": claim.value_text,
                        "as_of": "",
                    },
                ),
            }
            for claim in claims
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Proposals" + (f" from \u201c{source}\u201d" if source else ""),
            "rows": rows,
            "source": source,
            "candidates": self._candidates(source),
            "kinds": EntityKind.choices,
            "can_review": request.user.has_perm("claims.review_claim"),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/claims/proposal/queue.html", context)

    def _conflicts(self, claims) -> dict[int, list]:
        ids = [c.pk for c in claims]
        found: dict[int, list] = {}
        records = Contradiction.objects.filter(
            Q(claim_a_id__in=ids) | Q(claim_b_id__in=ids), status="open"
        ).select_related("claim_a__source", "claim_b__source")
        for record in records:
            for mine, other in (
                (record.claim_a, record.claim_b),
                (record.claim_b, record.claim_a),
            ):
                if mine.pk in ids:
                    found.setdefault(mine.pk, []).append({"record": record, "other": other})
        return found

    def _candidates(self, source) -> list[EntityCandidate]:
        found = EntityCandidate.objects.filter(status=CandidateStatus.OPEN).select_related("source")
        if source is not None:
            found = found.filter(source=source)
        return list(found.order_by("source_id", "start", "id")[:MAX_CANDIDATES])

    def _act(self, request) -> None:
        action = request.POST.get("action", "")
        if action in {"accept_selected", "reject_selected"}:
            ids = [int(i) for i in request.POST.getlist("selected") if i.isdigit()]
            service = (
                services.claim_accept if action == "accept_selected" else services.claim_reject
            )
            done = 0
            for selected in Claim.objects.filter(pk__in=ids, status=ClaimStatus.PROPOSED):
                done += self._apply(request, selected, service)
            self.message_user(request, f"{done} proposal(s) {action.split('_')[0]}ed.")
            return
        if action in {"create_entity", "map_entity", "dismiss_candidate"}:
            self._candidate(request, action)
            return
        claim = Claim.objects.filter(pk=request.POST.get("claim", "0") or 0).first()
        if claim is None or action not in {"accept", "correct", "reject"}:
            self.message_user(request, "Choose a proposal and what to do.", messages.ERROR)
            return
        if action == "reject":
            self._apply(request, claim, services.claim_reject)
            return
        form = CorrectionForm(request.POST, prefix=f"c{claim.pk}")
        if not form.is_valid():
            for field, errors in form.errors.items():
                self.message_user(
                    request,
                    f"Claim {claim.pk}, {field}: {' '.join(map(str, errors))}",
                    messages.ERROR,
                )
            return
        changes = {
            "subject": form.cleaned_data["subject"],
            "metric": form.cleaned_data["metric"],
            "value_text": form.cleaned_data["value_text"],
        }
        if form.cleaned_data["as_of"].strip():
            changes["as_of"] = form.cleaned_data["as_of"].strip()
        try:
            result = services.claim_update(
                claim=claim, user=request.user, reason="Corrected in the proposals queue", **changes
            )
        except ValidationError as error:
            self.message_user(
                request, f"Claim {claim.pk}: {' '.join(error.messages)}", messages.ERROR
            )
            return
        if action == "accept":
            self._apply(request, result.claim, services.claim_accept)
        else:
            self.message_user(request, f"Claim {claim.pk} corrected; it is still proposed.")

    def _apply(self, request, claim, service) -> int:
        verb = "accepted" if service is services.claim_accept else "rejected"
        try:
            service(
                claim=claim, user=request.user, reason=f"{verb.capitalize()} in the proposals queue"
            )
        except (ValidationError, PermissionDenied) as error:
            detail = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.message_user(request, f"Claim {claim.pk}: {detail}", messages.ERROR)
            return 0
        opened = Contradiction.objects.filter(
            Q(claim_a_id=claim.pk) | Q(claim_b_id=claim.pk), status=ContradictionStatus.OPEN
        ).order_by("pk")
        if verb == "accepted" and opened:
            links = format_html_join(
                ", ",
                '<a href="{}">contradiction {} ({})</a>',
                (
                    (
                        reverse("admin:claims_contradiction_change", args=[record.pk]),
                        record.pk,
                        record.get_kind_display(),
                    )
                    for record in opened
                ),
            )
            message = format_html("Claim {} accepted; it is now in {}.", claim.pk, links)
            self.message_user(request, message, messages.WARNING)
            return 1
        self.message_user(request, f"Claim {claim.pk} {verb}.", messages.SUCCESS)
        return 1

    def _candidate(self, request, action: str) -> None:
        candidate = (
            EntityCandidate.objects.filter(pk=request.POST.get("candidate", "0") or 0)
            .select_related("source")
            .first()
        )
        if candidate is None:
            self.message_user(request, "The candidate is gone.", messages.ERROR)
            return
        entity = None
        if action == "map_entity":
            entity = entity_resolve(request.POST.get("entity", ""))
            if entity is None:
                self.message_user(
                    request,
                    f"No entity is named \u201c{request.POST.get('entity', '')}\u201d.",
                    messages.ERROR,
                )
                return
        try:
            if action == "dismiss_candidate":
                services.candidate_dismiss(candidate=candidate, user=request.user)
                self.message_user(request, f"\u201c{candidate.name}\u201d dismissed.")
                return
            entity, run = services.candidate_resolve(
                candidate=candidate,
                kind=request.POST.get("kind", ""),
                entity=entity,
                user=request.user,
            )
        except ValidationError as error:
            self.message_user(
                request, f"\u201c{candidate.name}\u201d: {' '.join(error.messages)}", messages.ERROR
            )
            return
        self.message_user(
            request,
            f"\u201c{candidate.name}\u201d is now {entity.name}; "
            f"{len(run.proposed)} more claim(s) proposed.",
            messages.SUCCESS,
        )
