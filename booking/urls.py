from django.urls import path

from booking import attendance_views, kitchen_views, staff_views, views

app_name = "booking"

urlpatterns = [
    path("reservations/", views.service_list, name="services"),
    path("reservations/<slug:service_code>/", views.service_menu, name="service"),
    path("reservations/<slug:service_code>/reservation/", views.planning, name="planning"),
    path("reservations/<slug:service_code>/recapitulatif/", views.recap, name="recap"),
    path("reservations/<slug:service_code>/valider/", views.validate, name="validate"),
    path(
        "reservations/<slug:service_code>/absence/",
        attendance_views.report_absence,
        name="absence",
    ),
    path(
        "reservations/<slug:service_code>/absence/justificatifs/<str:file_id>/",
        attendance_views.absence_file,
        name="absence_file",
    ),
    path(
        "reservations/<slug:service_code>/liste-attente/",
        views.waiting_list,
        name="waiting",
    ),
    path(
        "reservations/<slug:service_code>/liste-attente/<str:request_id>/",
        views.waiting_take,
        name="waiting_take",
    ),
    path("gestion/cuisine/", kitchen_views.kitchen, name="kitchen"),
    path(
        "gestion/foyers/<int:household_id>/<slug:service_code>/",
        staff_views.agent_planning,
        name="agent_planning",
    ),
]
