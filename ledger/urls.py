from django.urls import path

from ledger import views

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
]
