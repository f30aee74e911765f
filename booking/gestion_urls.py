"""booking's pages of the staff workspace, under /<commune>/gestion/.

URL names are flat with a `gestion_` prefix; views extend "gestion/base.html" and check
their permission with portal.roles.staff_permission; the menu entry is registered in
booking/apps.py (portal.gestion.register_menu_entry)."""

urlpatterns = []
