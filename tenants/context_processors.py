def commune(request):
    return {"commune": getattr(request, "tenant", None)}
