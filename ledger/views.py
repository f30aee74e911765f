"""Parents' account pages. Every document is reached through the parent's own household."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from ledger import selectors, services
from ledger.forms import PeriodForm
from ledger.invoice_actions import invoice_actions
from portal.shortcuts import found_or_404, household_or_404


def _service_context(book, page):
    return {
        "section": "reservations",
        "service_code": book.code,
        "service_name": book.name,
        "service_page": page,
        "book": book,
    }


@login_required
def statement(request, service_code):
    household = household_or_404(request.user)
    book = found_or_404(selectors.service_book(service_code), "Unknown service")
    form = PeriodForm.from_query(request.GET)
    context = {**_service_context(book, "statement"), "form": form, "statement": None}
    if form.is_valid():
        context["statement"] = selectors.statement(
            household, book.code, form.cleaned_data["du"], form.cleaned_data["au"]
        )
    return render(request, "ledger/statement.html", context)


@login_required
def documents(request, service_code):
    household = household_or_404(request.user)
    book = found_or_404(selectors.service_book(service_code), "Unknown service")
    form = PeriodForm.from_query(request.GET)
    context = {**_service_context(book, "documents"), "form": form, "documents": None}
    if form.is_valid():
        context["documents"] = selectors.documents_between(
            household, book.code, form.cleaned_data["du"], form.cleaned_data["au"]
        )
        # Unpaid monthly invoices get the actions other apps register ("Payer en ligne").
        context["invoice_actions"] = invoice_actions()
        due = selectors.invoices_due(household, book.code)
        for document in context["documents"]:
            document.amount_due = due.get(document.pk)
    return render(request, "ledger/documents.html", context)


@login_required
def document_detail(request, service_code, number):
    household = household_or_404(request.user)
    book = found_or_404(selectors.service_book(service_code), "Unknown service")
    document = found_or_404(
        selectors.household_document(household, book.code, number), "No such document"
    )
    return render(
        request,
        "ledger/document_detail.html",
        {**_service_context(book, "statement"), "document": document},
    )


@login_required
def document_pdf(request, service_code, number):
    household = household_or_404(request.user)
    document = found_or_404(
        selectors.household_document(household, service_code, number), "No such document"
    )
    stored = services.store_pdf(document)
    response = HttpResponse(bytes(stored.content), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
