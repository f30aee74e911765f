from django.contrib.auth import views as auth_views
from django.urls import path

from tenants import views

app_name = "console"

urlpatterns = [
    path("", views.console_home, name="home"),
    path("communes/nouvelle/", views.console_create_commune, name="create_commune"),
    path("communes/<int:pk>/", views.console_commune, name="commune"),
    path("communes/<int:pk>/suspendre/", views.console_suspend_commune, name="suspend_commune"),
    path("communes/<int:pk>/etat/", views.console_set_commune_state, name="commune_state"),
    path(
        "connexion/",
        auth_views.LoginView.as_view(template_name="console/login.html", next_page="console:home"),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(next_page="console:login"), name="logout"),
]
