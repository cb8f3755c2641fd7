"""Adding a person to an agreement: an invitation by e-mail that the person accepts or declines.

A coordinator types a name and an e-mail address ("Legg til person"). Nothing about accounts is
looked up then: the coordinator gets the same answer, and the person the same e-mail, whether
or not the address has an account in the portal, so the form cannot be used to find out who has
one (or their name). The person answers through a signed link (``invitation_token``):

- accepting with an existing account needs them to be logged in as that account; the role is
  then made for it;
- accepting without an account makes one (name and address from the invitation) and takes them
  to choose a password;
- declining, or not answering within ``INVITATION_DAYS``, leaves nothing behind.

Until then the coordinators see the invitation as they typed it, and may withdraw it. Who may
invite whom to which role is ``rules.may_appoint`` (the person is not in the agreement yet).
The e-mail goes through the outbox (``tromsvekst.accounts.outbox``), after the response.
"""

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from agreements.models import Agreement, Coordinator, Invitation, Party
from agreements.services import (
    _check_party,
    _lock_agreement,
    check_appointment,
    coordinator_appoint,
)
from tromsvekst.accounts import outbox
from tromsvekst.lib.names import display_name

INVITATION_DAYS = 14
SIGNING_SALT = "agreements.invitation"
# A signed token is about 60 characters; anything much longer is not one.
TOKEN_MAX_LENGTH = 200


def _address_digest(email: str) -> str:
    # The token binds the address without showing it (a signed value is readable, not secret).
    return hashlib.sha256(email.lower().encode()).hexdigest()[:20]


def invitation_token(invitation: Invitation) -> str:
    """The signed, expiring key of the invitation's link (bound to its row and address)."""
    return signing.dumps(
        {"i": invitation.pk, "e": _address_digest(invitation.email)}, salt=SIGNING_SALT
    )


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation a link is for, or None if the link is malformed, expired or answered."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=INVITATION_DAYS * 24 * 60 * 60)
        pk, email = int(data["i"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    invitation = (
        Invitation.objects.select_related("agreement", "party", "invited_by").filter(pk=pk).first()
    )
    if invitation is None or _address_digest(invitation.email) != email:
        return None
    return invitation


def is_expired(invitation: Invitation, now: datetime.datetime | None = None) -> bool:
    age = (now or timezone.now()) - invitation.created_at
    return age.total_seconds() > INVITATION_DAYS * 24 * 60 * 60


def _queue_mail(invitation: Invitation, *, by: User | None) -> None:
    context = {
        "invitation": invitation,
        "agreement": invitation.agreement,
        "inviter": display_name(by) if by else "",
        "role": invitation.get_role_display().lower(),
        "link": settings.SITE_URL
        + reverse("agreements:invitation", args=[invitation_token(invitation)]),
        "days": INVITATION_DAYS,
    }
    outbox.enqueue(
        to=invitation.email,
        subject=render_to_string("registration/invitation_subject.txt", context),
        body=render_to_string("registration/invitation_email.txt", context),
    )


@transaction.atomic
def invitation_create(
    *,
    agreement: Agreement,
    party: Party,
    role: str,
    name: str,
    email: str,
    title: str = "",
    phone: str = "",
    by: User | None,
) -> Invitation:
    """Invite ``name`` at ``email`` to ``role`` for ``party``, and queue the e-mail.

    Refused (ValidationError, nothing stored): a party or role ``by`` may not appoint for, a
    missing name or address, an address someone in this agreement already has a role with, or
    one with an invitation waiting. None of these tells anything about accounts elsewhere.
    """
    _lock_agreement(agreement)
    _check_party(agreement, party)
    if role not in Coordinator.Role.values:
        raise ValidationError({"role": gettext("Velg en rolle.")}, code="invalid_choice")
    check_appointment(by=by, agreement=agreement, party=party, role=role, target=None)
    email = get_user_model().objects.normalize_email((email or "").strip())
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = gettext("Skriv navnet til personen.")
    if not email:
        errors["email"] = gettext("Skriv e-postadressen til personen.")
    if errors:
        raise ValidationError(errors)
    if Coordinator.objects.filter(agreement=agreement, user__email__iexact=email).exists():
        raise ValidationError(
            {
                "email": gettext(
                    "Noen med e-postadressen %(email)s har allerede en rolle i denne avtalen. "
                    "Endre den rollen i stedet for å invitere på nytt."
                )
                % {"email": email}
            },
            code="unique",
        )
    waiting = Invitation.objects.filter(agreement=agreement, email__iexact=email).first()
    if waiting is not None and is_expired(waiting):
        waiting.delete()
    elif waiting is not None:
        raise ValidationError(
            {
                "email": gettext(
                    "%(email)s er allerede invitert til denne avtalen og har ikke svart ennå."
                )
                % {"email": email}
            },
            code="unique",
        )
    invitation = Invitation.objects.create(
        agreement=agreement,
        party=party,
        role=role,
        name=name[:300],
        email=email,
        title=title,
        phone=phone,
        invited_by=by,
    )
    _queue_mail(invitation, by=by)
    return invitation


def accounts_for(invitation: Invitation) -> QuerySet[User]:
    """The active accounts with the invitation's address (for the person who has the link)."""
    return get_user_model().objects.filter(email__iexact=invitation.email, is_active=True)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User | None = None) -> Coordinator:
    """The person accepts: the role is made for ``user`` (who must have the invitation's
    address), or, with no ``user``, for a new account made from the invitation (refused if an
    account has the address: then they must log in). The invitation is used up."""
    locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if locked is None:
        raise ValidationError(gettext("Invitasjonen er allerede besvart."), code="answered")
    if user is not None and user.email.lower() != locked.email.lower():
        raise ValidationError(
            gettext(
                "Invitasjonen gjelder en annen e-postadresse enn brukeren du er logget inn med."
            ),
            code="wrong_user",
        )
    if user is None and accounts_for(locked).exists():
        raise ValidationError(
            gettext("Det finnes en bruker med denne e-postadressen. Logg inn for å godta."),
            code="log_in",
        )
    existing = (
        Coordinator.objects.filter(agreement=locked.agreement_id, user=user).first()
        if user is not None
        else None
    )
    if existing is not None:
        appointment = existing
    else:
        # The inviter's right was checked when they invited; the person's consent is this call.
        appointment = coordinator_appoint(
            agreement=locked.agreement,
            party=locked.party,
            role=locked.role,
            user=user,
            name=locked.name,
            email=locked.email,
            title=locked.title,
            phone=locked.phone,
            by=None,
        )
    locked.delete()
    return appointment


@transaction.atomic
def invitation_decline(*, invitation: Invitation) -> None:
    """The person declines: the invitation is gone, nothing else was ever made."""
    Invitation.objects.filter(pk=invitation.pk).delete()


@transaction.atomic
def invitation_withdraw(*, invitation: Invitation, by: User | None) -> None:
    """A coordinator takes an unanswered invitation back (under ``rules.may_appoint``)."""
    check_appointment(
        by=by,
        agreement=invitation.agreement,
        party=invitation.party,
        role=invitation.role,
        target=None,
    )
    Invitation.objects.filter(pk=invitation.pk).delete()
