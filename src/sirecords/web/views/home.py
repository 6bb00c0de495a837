"""The start page: what this user can do, by role."""

from django.shortcuts import render

from sirecords.users.roles import ROLES
from sirecords.web.guard import page
from sirecords.workflow.models import BusinessTransaction, State


@page("home")
def home_view(request):
    actor = request.actor
    mine = BusinessTransaction.objects.filter(created_by=actor.username).exclude(state__in=[State.POSTED, State.WITHDRAWN])
    return render(request, "web/home.html", {
        "roles": [(code, ROLES[code][0], ROLES[code][1], actor.regions_for(code)) for code in sorted(actor.roles)],
        "open_count": mine.count(),
        "returned_count": mine.filter(state=State.RETURNED).count(),
    })
