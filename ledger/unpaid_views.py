"""Workspace page "Impayés": households in debit, reminders one by one or in bulk, letters.

Every household is reached through households_in_debit (what the list shows), every letter
through its reminder; nothing is looked up by an id from the form alone.
"""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ledger import reminders, unpaid
from ledger.money import format_euros
from portal.roles import staff_permission


class ReminderForm(forms.Form):
    foyers = forms.TypedMultipleChoiceField(coerce=int, choices=())

    def __init__(self, *args, household_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["foyers"].choices = [(pk, pk) for pk in household_ids]
        self.fields["foyers"].error_messages = {
            "required": _("Cochez au moins une famille à relancer."),
            "invalid_choice": _("Cette famille n'est plus en impayé : rechargez la page."),
        }


@staff_permission("ledger.view_account")
def unpaid_list(request):
    entries = unpaid.households_in_debit()
    today = timezone.localdate()
    rows = [(entry, entry.age_days(today)) for entry in entries]
    return render(
        request,
        "ledger/gestion/unpaid.html",
        {
            "rows": rows,
            "total": format_euros(sum((e.amount for e in entries), unpaid.ZERO)),
            "can_remind": request.user.has_perm("ledger.send_reminder"),
        },
    )


@staff_permission("ledger.send_reminder")
@require_POST
def reminders_send(request):
    entries = unpaid.households_in_debit()
    form = ReminderForm(request.POST, household_ids=[e.household.pk for e in entries])
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("gestion_unpaid")
    try:
        sent = reminders.reminders_send(
            household_ids=form.cleaned_data["foyers"], sent_by=request.user
        )
    except reminders.ReminderRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("gestion_unpaid")
    messages.success(
        request,
        _("%(count)d relance(s) envoyée(s), %(emails)d e-mail(s) ; lettres à télécharger.")
        % {"count": len(sent), "emails": sum(r.emails for r in sent)},
    )
    return redirect("gestion_unpaid")


@staff_permission("ledger.view_reminder")
def reminder_letter(request, reminder_id: int):
    reminder = unpaid.reminder_of(reminder_id=reminder_id)
    if reminder is None:
        raise Http404(_("Cette relance n'existe pas."))
    response = HttpResponse(reminders.render_letter(reminder), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="relance-{reminder.sent_at:%Y-%m-%d}-{reminder.pk}.pdf"'
    )
    return response


@staff_permission("ledger.view_reminder")
def reminder_letters_of_the_day(request):
    """Every letter sent today, one a page: what a bulk reminder prints and posts."""
    today = timezone.localdate()
    sent = unpaid.reminders_sent_on(day=today)
    if not sent:
        raise Http404(_("Aucune relance envoyée aujourd'hui."))
    response = HttpResponse(reminders.render_letters(sent), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="relances-{today:%Y-%m-%d}.pdf"'
    return response


def household_section(request, household) -> dict:
    """The household page's "Relances" section (portal.gestion's registry)."""
    return {"reminders": unpaid.reminders_of(household_id=household.pk)}
