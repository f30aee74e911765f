from django.urls import path

from tipi import views

app_name = "tipi"

urlpatterns = [
    path("reservations/<slug:service_code>/paiement/", views.pay, name="pay"),
    path("reservations/<slug:service_code>/paiement/reprendre/", views.resume, name="resume"),
    path("reservations/<slug:service_code>/paiement/abandonner/", views.abandon, name="abandon"),
    path(
        "reservations/<slug:service_code>/factures/<str:number>/payer/",
        views.pay_invoice,
        name="pay_invoice",
    ),
    path("paiement/notification/", views.notify, name="notify"),
    path("paiement/<slug:refdet>/retour/", views.payment_return, name="return"),
]
