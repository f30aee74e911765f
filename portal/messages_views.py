"""Workspace pages of the "Nous contacter" inbox (gestion/messages/)."""

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal import messages
from portal.roles import staff_permission

ANSWER = "portal.answer_messages"


@staff_permission("portal.view_contactmessage")
def inbox(request):
    status = request.GET.get("etat", "")
    if status not in messages.STATUSES.values:
        status = ""
    return render(
        request,
        "portal/gestion/messages.html",
        {
            "messages_list": messages.inbox(status=status or None),
            "counts": messages.inbox_counts(),
            "status": status,
            "statuses": messages.STATUSES.choices,
            "can_answer": request.user.has_perm(ANSWER),
        },
    )


@staff_permission("portal.view_contactmessage")
def message_detail(request, message_id):
    message = messages.message_for_staff(message_id=message_id)
    if message is None:
        raise Http404(_("Ce message n'existe pas."))
    errors, body = [], ""
    if request.method == "POST":
        if not request.user.has_perm(ANSWER):
            raise PermissionDenied
        try:
            if "reply" in request.POST:
                body = request.POST.get("body", "")
                messages.message_reply(
                    actor=request.user,
                    message_id=message.pk,
                    body=body,
                    keep_open=request.POST.get("keep_open") == "1",
                    token=request.POST.get("token", ""),
                )
                flash.success(
                    request, _("Réponse envoyée à %(email)s.") % {"email": message.author.email}
                )
            else:
                messages.message_set_status(
                    actor=request.user, message_id=message.pk, status=request.POST.get("status", "")
                )
                flash.success(request, _("État du message enregistré."))
        except ValidationError as error:
            errors = error.messages
        else:
            return redirect("gestion_message", message_id=message.pk)
    return render(
        request,
        "portal/gestion/message.html",
        {
            "message": message,
            "errors": errors,
            "body": body,
            "statuses": messages.STATUSES.choices,
            "can_answer": request.user.has_perm(ANSWER),
            "max_length": messages.REPLY_MAX_LENGTH,
            "token": messages.reply_token(),
        },
        status=400 if errors else 200,
    )
