"""The register ("pointage", gestion/pointage/) on a tablet, the agent's absence
justification, and the parents' "Signaler une absence" with its certificate.

A tap is a small POST answered in JSON (static/preau/pointage.js queues it offline and sends
it again: it carries the wanted state, so sending it twice changes nothing)."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from booking import selectors, service_days, services
from booking.models import AbsenceJustification, MealKind
from booking.services import absences as absence_services
from booking.services import attendance as attendance_services
from portal import exports
from portal import selectors as portal_selectors
from portal.roles import staff_permission
from portal.shortcuts import found_or_404, household_or_404

PERMISSION = "booking.record_attendance"


def _day(raw) -> datetime.date | None:
    try:
        day = datetime.date.fromisoformat(raw or "")
    except ValueError:
        return None
    return day if exports.FIRST_YEAR <= day.year <= exports.LAST_YEAR else None


def _number(raw):
    raw = raw or ""
    return int(raw) if raw.isdecimal() and len(raw) < 10 else None


def _service(raw=None):
    services_list = selectors.active_services()
    wanted = _number(raw)
    return next((s for s in services_list if s.pk == wanted), None) or (
        services_list[0] if services_list else None
    )


def _site(raw):
    number = _number(raw)
    return selectors.site_by_id(number) if number else None


@staff_permission(PERMISSION)
def register(request):
    """Site and day (today by default), the children expected, present / absent."""
    service = _service(request.GET.get("service"))
    site_list = list(selectors.sites())
    site = _site(request.GET.get("site")) or (site_list[0] if site_list else None)
    today = timezone.localdate()
    day = _day(request.GET.get("jour")) or today
    sheet = (
        selectors.attendance_sheet(service=service, site=site, day=day)
        if service and site
        else None
    )
    if sheet is not None:
        # Diets, allergies and PAI: only for staff allowed to read health data (logged).
        badges = portal_selectors.health_badges(
            children=[row.child for group in sheet.groups for row in group.rows],
            viewer=request.user,
            page="gestion/pointage",
        )
        sheet = selectors.with_health(sheet, badges)
    may_amend = request.user.has_perm(attendance_services.AMEND_PERMISSION)
    return render(
        request,
        "booking/gestion/attendance.html",
        {
            "menu_key": "attendance",
            "service": service,
            "services": selectors.active_services(),
            "sites": site_list,
            "site": site,
            "day": day,
            "today": today,
            "previous_day": service_days.previous_service_day(day),
            "next_day": service_days.next_service_day(day),
            "sheet": sheet,
            "may_amend": may_amend,
            "locked": sheet is not None and sheet.is_closed and not may_amend,
            "default_meal": attendance_services.default_meal_kind(service) if service else None,
        },
    )


def _refused(message, status=400):
    return JsonResponse({"ok": False, "error": str(message)}, status=status)


@staff_permission(PERMISSION)
@require_POST
def tap(request):
    """One tap: {service, site, day, child, meal_kind, present (1 / 0), reason}."""
    data = request.POST
    service = _service(data.get("service"))
    site = _site(data.get("site"))
    day = _day(data.get("day"))
    if service is None or site is None or day is None or data.get("present") not in ("0", "1"):
        return _refused(_("Pointage incomplet."))
    child = selectors.enrolled_child(service=service, child_id=_number(data.get("child")))
    meal_kind = MealKind.objects.filter(
        pk=_number(data.get("meal_kind")) or 0, service=service
    ).first()
    if child is None or meal_kind is None:
        return _refused(_("Enfant ou repas inconnu."))
    try:
        attendance = services.attendance_record(
            service=service,
            site=site,
            day=day,
            child=child,
            meal_kind=meal_kind,
            present=data["present"] == "1",
            actor=request.user,
            reason=data.get("reason", "")[:300],
        )
    except services.AttendanceRefused as refused:
        return _refused(refused.messages[0], status=409)
    return JsonResponse({"ok": True, "present": attendance.present})


@staff_permission(PERMISSION)
def search(request):
    """Children enrolled at the site, by name: JSON for the "ajouter un enfant" field."""
    service = _service(request.GET.get("service"))
    site = _site(request.GET.get("site"))
    if service is None or site is None:
        return JsonResponse({"children": []})
    found = selectors.attendance_search(service=service, site=site, query=request.GET.get("q", ""))
    return JsonResponse(
        {
            "children": [
                {"id": child.pk, "name": str(child), "class": child.class_name, "group": group}
                for child, group in found
            ]
        }
    )


@staff_permission(PERMISSION)
@require_POST
def close(request):
    service = _service(request.POST.get("service"))
    site = _site(request.POST.get("site"))
    day = _day(request.POST.get("day"))
    if service is None or site is None or day is None:
        messages.error(request, _("Choisissez le site et le jour."))
        return redirect("gestion_attendance")
    result = services.attendance_close_day(service=service, site=site, day=day, actor=request.user)
    if result.closed_now:
        messages.success(
            request,
            _("Pointage du %(day)s clos. Débits sans réservation émis : %(count)d.")
            % {"day": f"{day:%d/%m/%Y}", "count": len(result.invoices)},
        )
    else:
        messages.info(request, _("Ce pointage était déjà clos."))
    return redirect(_register_url(service, site, day))


def _register_url(service, site, day):
    return (
        f"{reverse('gestion_attendance')}?service={service.pk}&site={site.pk}&jour={day:%Y-%m-%d}"
    )


class JustificationForm(forms.Form):
    first_day = forms.DateField(
        label=gettext_lazy("Du"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last_day = forms.DateField(
        label=gettext_lazy("Au (inclus)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Vide : un seul jour."),
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("Motif"), choices=AbsenceJustification.Reason.choices
    )
    comment = forms.CharField(label=gettext_lazy("Précision"), max_length=300, required=False)
    file = forms.FileField(
        label=gettext_lazy("Justificatif (PDF, JPEG ou PNG, 5 Mo au plus)"), required=False
    )

    def __init__(self, *args, children=(), staff=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {
            "child": forms.TypedChoiceField(
                label=gettext_lazy("Enfant"),
                choices=[(child.pk, str(child)) for child in children],
                coerce=int,
            ),
            **self.fields,
        }
        if staff:
            self.fields["late_reason"] = forms.CharField(
                label=gettext_lazy("Motif d'acceptation hors délai (régisseur)"),
                max_length=300,
                required=False,
            )

    def days(self):
        first = self.cleaned_data["first_day"]
        last = self.cleaned_data.get("last_day") or first
        if last < first or (last - first).days >= absence_services.MAX_DAYS:
            return []
        return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def _justify(request, form, household, service, children):
    """Run absence_justify from a valid form; True when done (message set), else the
    form carries the refusal."""
    child = next(c for c in children if c.pk == form.cleaned_data["child"])
    upload = form.cleaned_data.get("file")
    data = upload.read(absence_services.MAX_FILE_BYTES + 1) if upload else None
    try:
        result = services.absence_justify(
            household=household,
            child=child,
            service=service,
            days=form.days(),
            reason=form.cleaned_data["reason"],
            comment=form.cleaned_data.get("comment", ""),
            actor=request.user,
            file_name=upload.name if upload else "",
            file_data=data,
            late_reason=form.cleaned_data.get("late_reason", ""),
        )
    except services.AttendanceRefused as refused:
        form.add_error(None, refused.messages[0])
        return False
    if result.credit_note is not None:
        messages.success(
            request,
            _("Absence enregistrée : les repas réservés sont crédités (%(document)s).")
            % {"document": result.credit_note.label},
        )
    else:
        messages.success(request, _("Absence enregistrée."))
    return True


@staff_permission(PERMISSION)
def staff_justify(request, child_id):
    """An agent records a justification for a child enrolled in the service."""
    service = found_or_404(_service(request.GET.get("service") or request.POST.get("service")))
    child = found_or_404(selectors.enrolled_child(service=service, child_id=child_id))
    household = child.household
    day = _day(request.GET.get("jour"))
    form = JustificationForm(
        request.POST or None,
        request.FILES or None,
        children=[child],
        staff=True,
        initial={"child": child.pk, "first_day": day},
    )
    if request.method == "POST" and form.is_valid():
        if _justify(request, form, household, service, [child]):
            site = _site(request.POST.get("site"))
            if site is not None:
                return redirect(_register_url(service, site, form.cleaned_data["first_day"]))
            return redirect("gestion_attendance")
    return render(
        request,
        "booking/gestion/attendance_justify.html",
        {
            "menu_key": "attendance",
            "form": form,
            "child": child,
            "service": service,
            "site_id": _number(request.GET.get("site") or request.POST.get("site")),
        },
    )


def _file_response(stored):
    response = HttpResponse(bytes(stored.data), content_type=stored.content_type)
    response["Content-Disposition"] = f'attachment; filename="justificatif-{stored.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_permission(PERMISSION)
def staff_file(request, file_id):
    return _file_response(found_or_404(selectors.justification_file_for_staff(file_id=file_id)))


@login_required
def report_absence(request, service_code):
    """Parents: "Signaler une absence" — child, day(s), reason, optional certificate."""
    household = household_or_404(request.user)
    service = found_or_404(selectors.service_by_code(service_code))
    children = [e.child for e in selectors.enrolments_of(household, service)]
    form = JustificationForm(request.POST or None, request.FILES or None, children=children)
    if request.method == "POST" and form.is_valid():
        if _justify(request, form, household, service, children):
            return redirect("booking:absence", service_code=service.code)
    return render(
        request,
        "booking/absence.html",
        {
            "section": "reservations",
            "service": service,
            "service_code": service.code,
            "service_name": service.name,
            "service_page": "absence",
            "form": form,
            "justifications": selectors.household_justifications(
                household=household, service=service
            ),
            "delay_hours": service.justification_delay_hours,
        },
    )


@login_required
def absence_file(request, service_code, file_id):
    household = household_or_404(request.user)
    stored = selectors.justification_file_of_household(household=household, file_id=file_id)
    return _file_response(found_or_404(stored))
