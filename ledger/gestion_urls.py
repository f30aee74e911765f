"""ledger's pages of the staff workspace, under /<commune>/gestion/.

URL names are flat with a `gestion_` prefix; views extend "gestion/base.html" and check
their permission with portal.roles.staff_permission; the menu entry is registered in
ledger/apps.py (portal.gestion.register_menu_entry)."""

from django.urls import path

from ledger import exports_views, payers_views, unpaid_views

urlpatterns = [
    path("impayes/", unpaid_views.unpaid_list, name="gestion_unpaid"),
    path("impayes/relancer/", unpaid_views.reminders_send, name="gestion_remind"),
    path(
        "impayes/lettres-du-jour.pdf",
        unpaid_views.reminder_letters_of_the_day,
        name="gestion_reminder_letters",
    ),
    path(
        "impayes/relances/<int:reminder_id>.pdf",
        unpaid_views.reminder_letter,
        name="gestion_reminder_letter",
    ),
    path(
        "exports/factures-avoirs/",
        exports_views.documents_export,
        name="gestion_export_documents",
    ),
    path("familles/<int:household_id>/payeur/", payers_views.payer_set, name="gestion_payer_set"),
    path("exports/reglements/", exports_views.payments_export, name="gestion_export_payments"),
]
