def commune(request):
    return {
        "commune": getattr(request, "tenant", None),
        "commune_read_only": getattr(request, "commune_read_only", False),
    }
