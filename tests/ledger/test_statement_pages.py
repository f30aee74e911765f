"""Consultation compte / factures over many documents: pages of 50 rows, each page's opening
and closing balance, the navigation, and page numbers that are no page."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger import selectors, statement_pages
from ledger.models import Account, Document, Line, ServiceBook
from ledger.statement_pages import PAGE_SIZE
from tests.ledger.factories import at
from tests.ledger.test_parent_pages import DOCUMENTS, STATEMENT, text

FIRST_DAY = datetime.date(2016, 1, 4)
KINDS = ["FA", "FA", "AV", "RG", "FA"]


def add_documents(guardian, child, count, *, first_day=FIRST_DAY, per_day=3, first=1):
    """`count` documents from `first_day`, `per_day` a day (so a day's documents fall on
    both sides of a page break), kinds in turn, each of its own amount (1,01 €, 1,02 €, …)
    so that a balance off by one row shows. Written straight into the tables."""
    account, _ = Account.objects.get_or_create(
        household=guardian.household, service=ServiceBook.objects.get(code="cant")
    )
    documents = []
    for n in range(first, first + count):
        kind = KINDS[n % len(KINDS)]
        day = first_day + datetime.timedelta(days=(n - first) // per_day)
        documents.append(
            Document(
                kind=kind,
                number=f"{kind}{day.year}{n:06d}",
                year=day.year,
                sequence=n,
                account=account,
                issued_at=at(day, 8 + n % 10),
                total=Decimal("1.00") + Decimal(n) / 100,
                author=guardian.user,
                author_name="BLANCHARD Bertrand",
                idempotency_key=f"pages-{n}",
                invoice_title="Service de Restauration Scolaire",
                payment_mode="cash" if kind == "RG" else "",
            )
        )
    Document.objects.bulk_create(documents)
    Line.objects.bulk_create(
        Line(
            document=d,
            position=1,
            child=child,
            child_name=str(child),
            day=d.issued_at.date(),
            label="Repas",
            unit_price=d.total,
            amount=d.total,
        )
        for d in documents
        if d.kind != "RG"
    )
    return documents


def signed(amount_text: str) -> Decimal:
    """ "12,34 € au débit" → -12.34; "0,56 € au crédit" → 0.56 (the phone cell's words)."""
    number = re.match(r"([\d\u202f ]+,\d\d)", amount_text).group(1)
    value = Decimal(number.replace("\u202f", "").replace(" ", "").replace(",", "."))
    return -value if "au débit" in amount_text else value


def read_page(client, url, query):
    response = client.get(url, query)
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r'<tr class="row-(?:invoice|cancellation|payment)">(.*?)</tr>', html, re.S)
    numbers = [re.search(r"n° ([A-Z]{2}\d+)", row).group(1) for row in rows]
    balances = [
        signed(" ".join(re.sub(r"<[^>]+>", " ", cell).replace("\xa0", " ").split()))
        for cell in re.findall(
            r'<tr class="row-balance">.*?<td class="phone-only amount[^"]*">(.*?)</td>', html, re.S
        )
    ]
    return response, numbers, balances


def expected_order(numbers_in_period):
    """The statement's order: by day, then invoice, credit note, payment, then number."""
    rank = {"FA": 0, "AV": 1, "RG": 2}
    documents = Document.objects.filter(number__in=numbers_in_period)
    return [
        d.number
        for d in sorted(documents, key=lambda d: (d.issued_at.date(), rank[d.kind], d.number))
    ]


@pytest.mark.parametrize(
    "period",
    [
        (datetime.date(2016, 1, 4), datetime.date(2016, 3, 31)),  # every document
        (datetime.date(2016, 1, 20), datetime.date(2016, 2, 25)),  # some before, some after
    ],
)
def test_the_pages_balances_chain_from_the_period_start_to_its_end(
    parent_client, cant, blanchard, maxime, period
):
    add_documents(blanchard, maxime, 160)  # 4 January 2016 to 25 February 2016
    start, end = period
    in_period = [
        d.number
        for d in Document.objects.filter(account__household=blanchard.household)
        if start <= d.issued_at.date() <= end
    ]
    query = {"du": f"{start:%d/%m/%Y}", "au": f"{end:%d/%m/%Y}"}
    pages = -(-len(in_period) // PAGE_SIZE)
    assert pages >= 2
    seen, closing = [], None
    for number in range(1, pages + 1):
        response, numbers, (opening, page_closing) = read_page(
            parent_client, STATEMENT, {**query, "page": number}
        )
        page = text(response)
        assert f"Page {number} sur {pages}" in page
        if number == 1:
            before = selectors.balance(blanchard.household, "cant", start - datetime.timedelta(1))
            assert opening == before
            assert f"Solde de début {start:%d/%m/%Y}" in page
        else:
            assert opening == closing  # the previous page's closing balance
            assert "Solde reporté" in page
        # The page's rows take the balance from its opening to its closing.
        moved = sum(
            (d.total if d.is_credit else -d.total)
            for d in Document.objects.filter(number__in=numbers)
        )
        assert page_closing == opening + moved
        assert len(numbers) == (PAGE_SIZE if number < pages else len(in_period) - len(seen))
        seen += numbers
        closing = page_closing
    assert closing == selectors.balance(blanchard.household, "cant", end)
    assert f"Solde de fin {end:%d/%m/%Y}" in page
    assert seen == expected_order(in_period)


def test_the_navigation_keeps_the_period(parent_client, cant, blanchard, maxime):
    add_documents(blanchard, maxime, 120)
    query = {"du": "04/01/2016", "au": "31/03/2016"}
    for url in (STATEMENT, DOCUMENTS):
        first = parent_client.get(url, query).content.decode()
        assert "Page 1 sur 3" in text(parent_client.get(url, query))
        assert "Page précédente" not in first
        next_link = re.search(r'<a class="button secondary" rel="next" href="([^"]+)"', first)
        assert next_link, url
        href = next_link.group(1).replace("&amp;", "&")
        assert "du=04%2F01%2F2016" in href and "au=31%2F03%2F2016" in href and "page=2" in href
        second = text(parent_client.get(url + href))
        assert "Page 2 sur 3" in second and "Page précédente" in second
        assert "Page suivante" in second
        last = text(parent_client.get(url, {**query, "page": 3}))
        assert "Page 3 sur 3" in last and "Page suivante" not in last


def test_one_page_needs_no_navigation(parent_client, cant, blanchard, maxime):
    add_documents(blanchard, maxime, PAGE_SIZE)
    for url in (STATEMENT, DOCUMENTS):
        page = text(parent_client.get(url, {"du": "01/01/2016", "au": "31/12/2016"}))
        assert "Page 1 sur" not in page and "Page suivante" not in page


def test_the_documents_pages_newest_first_each_with_its_pdf(parent_client, cant, blanchard, maxime):
    created = add_documents(blanchard, maxime, 120)
    query = {"du": "04/01/2016", "au": "31/03/2016"}
    seen = []
    for number in (1, 2, 3):
        response = parent_client.get(DOCUMENTS, {**query, "page": number})
        html = response.content.decode()
        numbers = re.findall(r'href="/Clairoix/reservations/cant/factures/(\w+)\.pdf"', html)
        details = re.findall(r'href="/Clairoix/reservations/cant/compte/([A-Z]{2}\d+)/"', html)
        assert numbers == details
        seen += numbers
    newest_first = sorted(created, key=lambda d: (d.issued_at, d.pk), reverse=True)
    assert seen == [d.number for d in newest_first]
    # Dates and amounts the French way, as before the pages.
    last = created[-1]
    page = text(parent_client.get(DOCUMENTS, query))
    amount = f"{last.total:.2f}".replace(".", ",")
    assert f"{last.number} {last.issued_at:%d/%m/%Y} BLANCHARD Bertrand {amount} €" in page


@pytest.mark.parametrize(
    ("asked", "shown", "notice"),
    [
        ("0", 1, "Numéro de page invalide : la première page est affichée."),
        ("-1", 1, "Numéro de page invalide : la première page est affichée."),
        ("abc", 1, "Numéro de page invalide : la première page est affichée."),
        ("", 1, "Numéro de page invalide : la première page est affichée."),
        ("2.5", 1, "Numéro de page invalide : la première page est affichée."),
        ("²", 1, "Numéro de page invalide : la première page est affichée."),
        # Past the end: a page read with the totals (7), or once they are known (10^9).
        ("7", 3, "Cette période tient sur 3 pages : la dernière est affichée."),
        ("1000000000", 3, "Cette période tient sur 3 pages : la dernière est affichée."),
        ("9" * 5000, 3, "Cette période tient sur 3 pages : la dernière est affichée."),
        ("2", 2, None),
    ],
)
@pytest.mark.parametrize("url", [STATEMENT, DOCUMENTS])
def test_a_page_number_that_is_no_page_says_which_page_is_shown(
    parent_client, cant, blanchard, maxime, url, asked, shown, notice
):
    add_documents(blanchard, maxime, 120)
    query = {"du": "04/01/2016", "au": "31/03/2016"}
    response, numbers, _balances = read_page(parent_client, url, {**query, "page": asked})
    page = text(response)
    assert f"Page {shown} sur 3" in page
    if notice:
        assert notice in page
    else:
        assert "la dernière est affichée" not in page and "invalide" not in page
    # The rows are those of the page shown, not an empty or a made-up page.
    assert numbers == read_page(parent_client, url, {**query, "page": str(shown)})[1]
    assert len(numbers) == (PAGE_SIZE if shown < 3 else 20)


def test_an_empty_period_and_a_page_past_it(parent_client, cant, blanchard, maxime):
    add_documents(blanchard, maxime, 10)
    before = selectors.balance(blanchard.household, "cant", datetime.date(2017, 1, 1))
    response, numbers, balances = read_page(
        parent_client, STATEMENT, {"du": "01/01/2017", "au": "31/01/2017", "page": "4"}
    )
    assert numbers == [] and balances == [before, before]
    page = text(response)
    assert "Aucune opération sur cette période." in page
    assert "Cette période tient sur 1 page : la dernière est affichée." in page


def rows_read_from_documents(plan: dict) -> int:
    """The rows the plan's scans of ledger_document returned (EXPLAIN ANALYZE, JSON)."""
    own = plan["Actual Rows"] if plan.get("Relation Name") == "ledger_document" else 0
    return own + sum(rows_read_from_documents(child) for child in plan.get("Plans", []))


def test_a_documents_page_reads_its_rows_not_the_whole_period(cant, blanchard, maxime):
    """10 years of documents: "Consultation factures" reads one page, newest first, in the
    order of an index (it read and sorted the whole period: ×1,7 at 5,000 documents)."""
    add_documents(blanchard, maxime, 400, per_day=2)
    end = FIRST_DAY + datetime.timedelta(days=400)
    with CaptureQueriesContext(connection) as queries:
        page = statement_pages.documents_page(blanchard.household, "cant", FIRST_DAY, end, 2)
    assert len(page.rows) == PAGE_SIZE
    # The page's statement (sent with the period's count, joined by "; ").
    statements = (sql for q in queries.captured_queries for sql in q["sql"].split("; "))
    sql = next(sql for sql in statements if 'issued_at" DESC' in sql)
    # As it runs: a prepared statement, whose generic plan PostgreSQL keeps after a few runs.
    account = Account.objects.get(household=blanchard.household, service__code="cant")
    values = {
        "account_id": account.pk,
        "since": selectors.start_of_day(FIRST_DAY),
        "until": selectors.start_of_day(end + datetime.timedelta(days=1)),
    }
    prepared, params = statement_pages._documents_rows(PAGE_SIZE)._statement(values)
    with connection.cursor() as cursor:
        # Before any ANALYZE (a bulk import, a new commune: autovacuum has not run yet), and
        # with the index paths compared (a test's table is small enough to be read whole).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        custom = cursor.fetchone()[0][0]["Plan"]
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + prepared.execute, params)
        generic = cursor.fetchone()[0][0]["Plan"]
    assert rows_read_from_documents(custom) <= 2 * PAGE_SIZE  # offset and page, not 400
    assert rows_read_from_documents(generic) <= 2 * PAGE_SIZE


def test_a_statement_page_reads_its_rows_not_the_whole_period(cant, blanchard, maxime):
    """10 years of documents: "Consultation compte" reads one page in the order of its index
    (ledger_doc_account_day), with the generic plan PostgreSQL keeps for the prepared
    statement too: with the time zone and the kinds sent as parameters, that plan matched no
    index and read and sorted the whole period (17 ms → 7 ms at 5,000 documents)."""
    add_documents(blanchard, maxime, 400, per_day=2)
    end = FIRST_DAY + datetime.timedelta(days=400)
    page = statement_pages.statement_page(blanchard.household, "cant", FIRST_DAY, end, 2)
    assert len(page.rows) == PAGE_SIZE
    account = Account.objects.get(household=blanchard.household, service__code="cant")
    values = {"account_id": account.pk, "start": FIRST_DAY, "end": end}
    prepared, params = statement_pages._statement_rows(PAGE_SIZE)._statement(values)
    with connection.cursor() as cursor:
        # A test's few rows are cheaper read whole and sorted: the index paths are compared
        # (an index that does not match the statement's order still needs a sort).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + prepared.execute, params)
        generic = cursor.fetchone()[0][0]["Plan"]
    # The offset's rows and the page's, with the row after them (the window looks ahead).
    assert rows_read_from_documents(generic) <= 2 * PAGE_SIZE + 1  # not the period's 400
