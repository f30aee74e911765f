from django.urls import path

from tipi.simulator import views

app_name = "payfip_simulator"

urlpatterns = [
    path("tpa/services/securite", views.soap_service, name="soap"),
    path("tpa/paiementws.web", views.payment_page, name="payment_page"),
    path("tpa/carte.web", views.card_page, name="card_page"),
]
