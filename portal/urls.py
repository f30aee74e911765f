from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.login_view, name="login"),
    path("accueil/", views.home, name="home"),
    path("deconnexion/", views.logout_view, name="logout"),
    path(
        "mot-de-passe/choisir/<uidb64>/<token>/",
        views.password_setup,
        name="password_setup",
    ),
]
