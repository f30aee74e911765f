from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.login_view, name="login"),
    path("accueil/", views.home, name="home"),
    path("coordonnees/", views.contact_details_menu, name="contact_details_menu"),
    path("coordonnees/vos-coordonnees/", views.contact_details, name="contact_details"),
    path("coordonnees/enfants/", views.children_health, name="children_health"),
    path("coordonnees/mot-de-passe/", views.password_change, name="password_change"),
    path("nous-contacter/", views.contact, name="contact"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("mot-de-passe-oublie/", views.password_forgotten, name="password_forgotten"),
    path(
        "mot-de-passe/choisir/<uidb64>/<token>/",
        views.password_setup,
        name="password_setup",
    ),
]
