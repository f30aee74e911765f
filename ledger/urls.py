from django.urls import path

from ledger import unpaid_views, views

app_name = "ledger"

urlpatterns = [
    path("reservations/<slug:service_code>/compte/", views.statement, name="statement"),
    path(
        "reservations/<slug:service_code>/compte/<str:number>/",
        views.document_detail,
        name="document_detail",
    ),
    path("reservations/<slug:service_code>/factures/", views.documents, name="documents"),
    path(
        "reservations/<slug:service_code>/factures/<str:number>.pdf",
        views.document_pdf,
        name="document_pdf",
    ),
    path("gestion/impayes/", unpaid_views.unpaid_list, name="gestion_unpaid"),
    path("gestion/impayes/relancer/", unpaid_views.reminders_send, name="gestion_remind"),
    path(
        "gestion/impayes/lettres-du-jour.pdf",
        unpaid_views.reminder_letters_of_the_day,
        name="gestion_reminder_letters",
    ),
    path(
        "gestion/impayes/relances/<int:reminder_id>.pdf",
        unpaid_views.reminder_letter,
        name="gestion_reminder_letter",
    ),
]
