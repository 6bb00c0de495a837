"""The system administrators' pages (第二十六条): accounts, roles, confidentiality agreements
(第十一条), service-account tokens and authenticators. Each change is a transaction with its reason; the
transaction types refuse what the regulation forbids, and the pages show why.

A role that reaches personal data and an API token are carried out at the agency's request and take effect
only when a business-side approver approves them at the desk: the pages say so, and list what waits."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sirecords.transactions.posting import InvalidTransaction
from sirecords.users import services as staff_accounts
from sirecords.users.models import AccountKind, ApiToken, RoleGrant, SealedTOTPDevice, StaffAccount
from sirecords.web.forms_admin import AccountForm, AgreementForm, GrantForm, ReasonForm, RevokeForm, TokenForm, known_regions
from sirecords.web.guard import page
from sirecords.web.views.admin_common import CHANNEL, focus, posted, put_errors, role_label
from sirecords.workflow import documents, services
from sirecords.workflow.models import OPEN_STATES, BusinessTransaction, State

AWAITING_TYPES = ("grant_role", "issue_token")  # what waits for a business-side approver (workflow/stages.toml)
REQUEST_FIELDS = {"request_document_sha256": "request_document", "request_document": "request_document"}


def _grants_shown(grants) -> list[dict]:
    return [{"role": g.role, "label": role_label(g.role), "region": g.region, "granted_on": g.granted_on,
             "revoked_on": g.revoked_on, "request_ref": g.request_ref, "bootstrap": g.bootstrap} for g in grants]


def _awaiting(txn: BusinessTransaction) -> dict:
    payload = services.payload_of(txn)
    if "role" in payload:
        what = f"{role_label(payload['role'])} ({payload['role']}) · {payload['region']}"
    else:
        what = f"{_('API token')} “{payload.get('label', '')}” ({payload.get('scopes', '')})"
    return {"uid": txn.uid, "what": what, "username": payload.get("username", ""),
            "request_ref": payload.get("request_ref", ""), "state": txn.get_state_display(), "opened": txn.created_at}


def awaiting_approval(username: str | None = None) -> list[dict]:
    """The grants and tokens opened at the agency's request that no approver has approved yet (of one account)."""
    found = BusinessTransaction.objects.filter(type__in=AWAITING_TYPES, state__in=OPEN_STATES).order_by("created_at")
    rows = [_awaiting(txn) for txn in found]
    return [row for row in rows if username is None or row["username"] == username]


def _secret_page(request, template: str, context: dict):
    """A page that shows a secret once: never cached, never stored in the session."""
    response = render(request, template, context)
    add_never_cache_headers(response)
    return response


@page("sysadmin_accounts")
@require_GET
def accounts_view(request):
    active_grants = Prefetch("grants", queryset=RoleGrant.objects.filter(revoked_on__isnull=True).order_by("role", "region"),
                             to_attr="active_grants")
    found = (StaffAccount.objects.order_by("username").prefetch_related(active_grants)
             .annotate(agreement_until=Max("agreements__expires_on")))
    listing = Paginator(found, 100).get_page(request.GET.get("page"))
    today = date.today()
    rows = [{"account": a, "grants": _grants_shown(a.active_grants),
             "agreement_until": a.agreement_until,
             "agreement_expired": a.agreement_until is not None and a.agreement_until < today} for a in listing]
    return render(request, "web/admin/accounts.html", {"rows": rows, "listing": listing, "awaiting": awaiting_approval()})


@page("sysadmin_account_new")
@require_http_methods(["GET", "POST"])
def account_new_view(request):
    form = AccountForm(*posted(request, files=True), regions=known_regions())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = staff_accounts.create_account(request.actor, data["username"], data["display_name"],
                                                    region=data["region"], reason=data["reason"], channel=CHANNEL,
                                                    roles=tuple(data["roles"]), organisation=data["organisation"],
                                                    kind=data["kind"], **form.request())
        except InvalidTransaction as invalid:
            put_errors(form, invalid.errors, lambda key: "roles" if key == "role" else REQUEST_FIELDS.get(key, key))
        except services.Refused as refused:
            form.add_error(None, refused.message)
        else:
            account = StaffAccount.objects.get(pk=data["username"])
            return _secret_page(request, "web/admin/account_created.html", {
                "account": account, "password": created.password, "awaiting": [_awaiting(t) for t in created.awaiting]})
    return render(request, "web/admin/account_new.html", {"form": focus(form)}, status=400 if form.errors else 200)


@page("sysadmin_account")
@require_GET
def account_view(request, username: str):
    account = get_object_or_404(StaffAccount, pk=username)
    grants = account.grants.order_by("revoked_on", "role", "region")
    return render(request, "web/admin/account.html", {
        "account": account,
        "grants": _grants_shown(grants),
        "agreements": account.agreements.order_by("-expires_on"),
        "tokens": account.tokens.order_by("-expires_at") if account.kind == AccountKind.SERVICE else None,
        "authenticator": SealedTOTPDevice.objects.filter(user__username=account.username, confirmed=True).exists()
        if account.kind == AccountKind.STAFF else None,
        "awaiting": awaiting_approval(account.username),
        "now": datetime.now(UTC),
        "today": date.today(),
    })


def _action_page(request, account: StaffAccount, form, *, title: str, intro: str, button: str, danger: bool = False):
    return render(request, "web/admin/account_action.html", {
        "account": account, "form": focus(form), "title": title, "intro": intro, "button": button, "danger": danger,
        "multipart": form.is_multipart()}, status=400 if form.errors else 200)


def _done(request, account: StaffAccount, message: str):
    messages.success(request, message)
    return redirect("sysadmin_account", username=account.username)


def _awaits(request, account: StaffAccount, txn: BusinessTransaction, what: str):
    messages.info(request, _("%(what)s for %(user)s awaits the approval of a business-side approver (transaction "
                             "%(uid)s); it takes effect when approved.") % {"what": what, "user": account.username,
                                                                          "uid": txn.uid})
    return redirect("sysadmin_account", username=account.username)


def _run(form, action, to_field=lambda key: key) -> bool:
    """Run a service call; on refusal or invalid input put the reasons on the form and return False."""
    try:
        action()
    except InvalidTransaction as invalid:
        put_errors(form, invalid.errors, to_field)
    except services.Refused as refused:
        form.add_error(None, refused.message)
    else:
        return True
    return False


def _not_a_field(*names: str):
    """Errors about these payload fields concern the account itself: show them above the form."""
    return lambda key: None if key in names else key


@page("sysadmin_grant")
@require_http_methods(["GET", "POST"])
def grant_view(request, username: str):
    account = get_object_or_404(StaffAccount, pk=username)
    form = GrantForm(*posted(request, files=True), regions=known_regions())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        opened = {}

        def grant():
            opened["txn"] = staff_accounts.grant(request.actor, account.username, data["role"], region=data["region"],
                                                 reason=data["reason"], channel=CHANNEL, **form.request())

        if _run(form, grant, lambda key: None if key == "username" else REQUEST_FIELDS.get(key, key)):
            if opened["txn"].state != State.POSTED:
                return _awaits(request, account, opened["txn"], _("The role %(role)s in %(region)s") % {
                    "role": role_label(data["role"]), "region": data["region"]})
            return _done(request, account, _("Granted %(role)s in %(region)s to %(user)s.") % {
                "role": role_label(data["role"]), "region": data["region"], "user": account.username})
    return _action_page(request, account, form, title=_("Grant a role"), button=_("Grant"),
                        intro=_("System and database administrators never hold a business, query or supervisory role, "
                                "and nobody else may hold theirs (第二十六条). Every other role reaches personal data: "
                                "it is granted at the agency's request and takes effect when a business-side approver "
                                "approves it."))


@page("sysadmin_revoke")
@require_http_methods(["GET", "POST"])
def revoke_view(request, username: str):
    account = get_object_or_404(StaffAccount, pk=username)
    held = list(account.grants.filter(revoked_on__isnull=True).order_by("role", "region"))
    form = RevokeForm(*posted(request), grants=[(g.uid, f"{role_label(g.role)} ({g.role}) · {g.region}") for g in held])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        grant = next(g for g in held if g.uid == data["grant"])
        if _run(form, lambda: staff_accounts.revoke(request.actor, account.username, grant.role, region=grant.region,
                                              reason=data["reason"], channel=CHANNEL),
                lambda key: "grant" if key in ("role", "region") else None):
            return _done(request, account, _("Revoked %(role)s in %(region)s from %(user)s.") % {
                "role": role_label(grant.role), "region": grant.region, "user": account.username})
    intro = _("The grant ends today; its history stays in the ledger.") if held else _("This account holds no role.")
    return _action_page(request, account, form, title=_("Revoke a role"), button=_("Revoke"), intro=intro, danger=True)


@page("sysadmin_agreement")
@require_http_methods(["GET", "POST"])
def agreement_view(request, username: str):
    account = get_object_or_404(StaffAccount, pk=username)
    form = AgreementForm(*posted(request, files=True), initial={"organisation": account.organisation})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        digest = ""
        if data["document"]:
            try:
                content = documents.received(data["document"])
                documents.check(content, data["document"].name)
            except documents.DocumentRefused as refused:
                form.add_error("document", str(refused))
            else:
                digest = documents.store(content)
        payload = {"username": account.username, "organisation": data["organisation"],
                   "signed_on": data["signed_on"].isoformat(), "expires_on": data["expires_on"].isoformat(),
                   **({"document_sha256": digest} if digest else {})}
        if not form.errors and _run(form, lambda: services.execute(
                request.actor, "record_agreement", payload, region=staff_accounts.admin_region(request.actor),
                reason=data["reason"], channel=CHANNEL), lambda key: {"document_sha256": "document", "username": None}.get(key, key)):
            return _done(request, account, _("Recorded the confidentiality agreement of %(user)s, valid until %(until)s.") % {
                "user": account.username, "until": data["expires_on"].isoformat()})
    return _action_page(request, account, form, title=_("Record a confidentiality agreement"), button=_("Record"),
                        intro=_("Someone from outside the agency may help maintain the records only under a signed "
                                "confidentiality agreement (第十一条); without an unexpired one on record, the account "
                                "cannot act."))


@page("sysadmin_deactivate")
@require_http_methods(["GET", "POST"])
def deactivate_view(request, username: str):
    account = get_object_or_404(StaffAccount, pk=username)
    form = ReasonForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        if _run(form, lambda: staff_accounts.deactivate(request.actor, account.username, reason=form.cleaned_data["reason"],
                                                        channel=CHANNEL), _not_a_field("username")):
            return _done(request, account, _("Deactivated %(user)s; all of its roles are revoked.") % {"user": account.username})
    return _action_page(request, account, form, title=_("Deactivate the account"), button=_("Deactivate"), danger=True,
                        intro=_("The account can no longer sign in or act, and all of its roles are revoked. "
                                "Its history stays in the ledger."))


@page("sysadmin_reset_authenticator")
@require_http_methods(["GET", "POST"])
def reset_authenticator_view(request, username: str):
    account = get_object_or_404(StaffAccount, pk=username, kind=AccountKind.STAFF)
    form = ReasonForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        if _run(form, lambda: staff_accounts.reset_second_factor(request.actor, account.username, channel=CHANNEL,
                                                                 reason=form.cleaned_data["reason"]),
                _not_a_field("username")):
            return _done(request, account, _("Reset the authenticator of %(user)s: they enrol a new one at their next "
                                             "sign-in.") % {"user": account.username})
    return _action_page(request, account, form, title=_("Reset the authenticator"), button=_("Reset"), danger=True,
                        intro=_("For a lost or replaced phone: the account's authenticator is removed, and its holder "
                                "enrols a new one at the next sign-in, with their own password."))


@page("sysadmin_token_new")
@require_http_methods(["GET", "POST"])
def token_new_view(request, username: str):
    account = get_object_or_404(StaffAccount, pk=username)
    form = TokenForm(*posted(request, files=True))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        issued = {}

        def issue():
            issued["token"] = staff_accounts.issue_token(request.actor, account.username, data["label"],
                                                         " ".join(data["scopes"]), days=data["days"], reason=data["reason"],
                                                         channel=CHANNEL, **form.request())

        fields = {"expires_at": "days", "username": None, "token_sha256": None, **REQUEST_FIELDS}  # nosec B105 # form field names mapped for error messages, no secret
        if _run(form, issue, lambda key: fields.get(key, key)):
            token = issued["token"]
            payload = services.payload_of(token.txn)
            return _secret_page(request, "web/admin/token_issued.html", {
                "account": account, "token": token.token, "txn": token.txn, "posted": token.txn.state == State.POSTED,
                "label": payload["label"], "scopes": payload["scopes"],
                "expires_at": datetime.fromisoformat(payload["expires_at"])})
    intro = _("A token lets a program act as this service account through the API. It is shown once; only its "
              "SHA-256 is kept. It is issued at the agency's request and works once a business-side approver approves it.")
    return _action_page(request, account, form, title=_("Issue an API token"), button=_("Issue"), intro=intro)


@page("sysadmin_withdraw_request")
@require_http_methods(["GET", "POST"])
def withdraw_request_view(request, uid: str):
    """Withdraw a grant or a token issue that waits for (or was returned by) the approver: the sysadmin who opened it
    cannot reach the desk, so it is withdrawn here."""
    txn = get_object_or_404(BusinessTransaction, pk=uid, type__in=AWAITING_TYPES, state__in=OPEN_STATES)
    account = get_object_or_404(StaffAccount, pk=services.payload_of(txn).get("username", ""))
    form = ReasonForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        if _run(form, lambda: services.withdraw(request.actor, txn, form.cleaned_data["reason"])):
            return _done(request, account, _("The transaction is withdrawn."))
    return _action_page(request, account, form, title=_("Withdraw the transaction"), button=_("Withdraw"), danger=True,
                        intro=_awaiting(txn)["what"])


@page("sysadmin_tokens")
@require_GET
def tokens_view(request):
    found = ApiToken.objects.select_related("account").order_by("revoked_on", "-expires_at")
    listing = Paginator(found, 100).get_page(request.GET.get("page"))
    return render(request, "web/admin/tokens.html", {"listing": listing, "now": datetime.now(UTC)})


@page("sysadmin_token_revoke")
@require_http_methods(["GET", "POST"])
def token_revoke_view(request, uid: str):
    token = get_object_or_404(ApiToken.objects.select_related("account"), pk=uid)
    form = ReasonForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        if _run(form, lambda: services.execute(request.actor, "revoke_token", {"token": token.uid},
                                               region=staff_accounts.admin_region(request.actor),
                                               reason=form.cleaned_data["reason"], channel=CHANNEL),
                _not_a_field("token")):
            messages.success(request, _("Revoked the token “%(label)s” of %(user)s.") % {"label": token.label,
                                                                                    "user": token.account_id})
            return redirect("sysadmin_tokens")
    return _action_page(request, token.account, form, title=_("Revoke an API token"), button=_("Revoke"), danger=True,
                        intro=_("The token “%(label)s” (%(scopes)s) stops working at once.") % {
                            "label": token.label, "scopes": token.scopes})
