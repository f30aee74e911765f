"""ledger's pages of the staff workspace, under /<commune>/gestion/.

URL names are flat with a `gestion_` prefix; views extend "gestion/base.html" and check
their permission with portal.roles.staff_permission; the menu entry is registered in
ledger/apps.py (portal.gestion.register_menu_entry)."""

from django.urls import path

from ledger import exports_views

urlpatterns = [
    path(
        "exports/factures-avoirs/",
        exports_views.documents_export,
        name="gestion_export_documents",
    ),
    path("exports/reglements/", exports_views.payments_export, name="gestion_export_payments"),
]
