"""Parents' account pages. Every document is reached through the parent's own household."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from ledger import selectors, services, statement_pages
from ledger.forms import PeriodForm, page_asked
from ledger.invoice_actions import invoice_actions
from portal.shortcuts import found_or_404, household_or_404
from tenants import page_cache


def _service_context(book, page):
    return {
        "section": "reservations",
        "service_code": book.code,
        "service_name": book.name,
        "service_page": page,
        "book": book,
    }


NUMBER = "__number__"  # stands for a document's number in a reversed URL


def _url_template(name, service_code) -> str:
    """One reverse per page: each row's URL is this text with its number put in."""
    return reverse(name, args=[service_code, NUMBER])


def _page_notice(asked, paging) -> str:
    """What to say when the page asked is not the page shown ("?page=abc", "?page=0",
    a page past the end): the page shown instead."""
    if asked is None:
        return gettext("Numéro de page invalide : la première page est affichée.")
    if asked > paging.count:
        return ngettext(
            "Cette période tient sur %(count)s page : la dernière est affichée.",
            "Cette période tient sur %(count)s pages : la dernière est affichée.",
            paging.count,
        ) % {"count": paging.count}
    return ""


def _period_page(request, service_code, page_name, read):
    """(household, book, context): the period form, then one page of the period read by
    `read(household, code, start, end, page, account_id=)`; the page number comes from
    ?page= (1 when absent). 404 for a service without a book."""
    household = household_or_404(request.user)
    book, account_id = statement_pages.book_and_account(household, service_code)
    found_or_404(book, "Unknown service")
    form = PeriodForm.from_query(request.GET)
    context = {**_service_context(book, page_name), "form": form, "page": None}
    if form.is_valid():
        asked = page_asked(request.GET.get("page"))
        du, au = form.cleaned_data["du"], form.cleaned_data["au"]
        page = read(household, book.code, du, au, asked or 1, account_id=account_id)
        detail = _url_template("ledger:document_detail", book.code)
        pdf = _url_template("ledger:document_pdf", book.code)
        for row in page.rows:
            row.url = detail.replace(NUMBER, row.number)
            row.pdf_url = pdf.replace(NUMBER, row.number)
        context["page"] = page
        context["page_notice"] = _page_notice(asked, page.paging)
    # The default period ends today, and what is due is judged against today.
    page_cache.valid_until(request, page_cache.next_midnight())
    return household, book, context


@login_required
@page_cache.cached_page
def statement(request, service_code):
    _household, _book, context = _period_page(
        request, service_code, "statement", statement_pages.statement_page
    )
    return render(request, "ledger/statement.html", context)


@login_required
@page_cache.cached_page
def documents(request, service_code):
    household, book, context = _period_page(
        request, service_code, "documents", statement_pages.documents_page
    )
    page = context["page"]
    if page is not None:
        context["print"] = gettext("Imprimer")
        # Unpaid monthly invoices get the actions other apps register ("Payer en ligne").
        context["invoice_actions"] = invoice_actions()
        if any(row.monthly for row in page.rows):
            due = selectors.invoices_due(household, book.code)
            for row in page.rows:
                row.amount_due = due.get(row.pk)
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
