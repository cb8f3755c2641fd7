"""Setting a password by e-mail: "Glemt passordet?" on the login page. (A person invited to an
agreement sets their first password the same way, after accepting: agreements.services.)

Django's password-reset tokens: a link that works once, for a few days, and stops working when
the password changes or the user logs in.

The request only queues the address in the outbox (accounts/outbox.py), with two queries whatever
the address is; whether it has an account is looked up when the outbox sends it, after the
response. So neither the page, nor its timing, nor its database work tells whether an address has
an account.
"""

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import MaxLengthValidator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from tromsvekst.accounts import outbox, signin
from tromsvekst.accounts.models import OutgoingMail, PasswordMail
from tromsvekst.lib.security import client_ip

log = logging.getLogger(__name__)

# At most this many password e-mails to one person per hour *from one requesting address*:
# a flood from one place is held back, while requests from elsewhere (the person themself) are
# not, so nobody can use up another person's password e-mails. Only mails sent are counted.
MAILS_PER_HOUR = 3


def _may_mail(user: User, *, requester: str) -> bool:
    since = timezone.now() - datetime.timedelta(hours=1)
    sent = PasswordMail.objects.filter(user=user, requester=requester, sent_at__gte=since)
    if sent.count() < MAILS_PER_HOUR:
        return True
    log.warning(
        "Password e-mail to user %s held back: %s in the last hour from one address",
        user.pk,
        MAILS_PER_HOUR,
    )
    return False


def _users_for(email: str) -> QuerySet[User]:
    return User.objects.filter(email__iexact=email, is_active=True).exclude(email="")


class PortalPasswordResetForm(PasswordResetForm):
    """Django's form, also for users who were added by a coordinator and never had a password.

    Django leaves users without a usable password out because they might log in elsewhere (LDAP,
    single sign-on); in this portal the only way in is a password, so a new user sets theirs here.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-postadresse")
        self.fields["email"].error_messages.update(
            {
                "required": _("Skriv e-postadressen din."),
                "invalid": _("Skriv en gyldig e-postadresse, som navn@eksempel.no."),
            }
        )

    def get_users(self, email: str) -> Iterable[User]:
        return _users_for(email)

    def save(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        """Queue the request; ``password_reset_messages`` makes the e-mail when it is sent."""
        address = client_ip(request) if request is not None else ""
        outbox.request_password_mail(
            email=self.cleaned_data["email"], requester=outbox.requester_key(address)
        )


def password_reset_messages(mail: OutgoingMail) -> tuple[list[tuple[User, EmailMessage]], int]:
    """The e-mails for a queued password request (called by the outbox, outside any request):
    one per active account with the address, less those the hourly limit holds back (counted)."""
    messages, held_back = [], 0
    for user in _users_for(mail.to):
        if not _may_mail(user, requester=mail.requester):
            held_back += 1
            continue
        context = {
            "user": user,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "site_url": settings.SITE_URL,
            "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60),
        }
        subject = render_to_string("registration/password_reset_subject.txt", context)
        body = render_to_string("registration/password_reset_email.txt", context)
        messages.append((user, EmailMessage(" ".join(subject.split()), body, to=[user.email])))
    return messages, held_back


class PortalSetPasswordForm(SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Nytt passord")
        self.fields["new_password1"].help_text = _(
            "Minst 12 tegn. Ikke et vanlig passord, ikke bare tall og ikke likt navnet ditt."
        )
        self.fields["new_password2"].label = _("Gjenta det nye passordet")
        self.fields["new_password2"].help_text = ""
        self.error_messages["password_mismatch"] = _("De to passordene er ikke like.")


class PortalAuthenticationForm(AuthenticationForm):
    """Django's login form; with LOCAL_PASSWORDS=False it refuses everyone but the break-glass
    administrators before any password is checked (so nothing is counted or learnt).

    Django's form sets the username's ``max_length`` after the field is made, which only writes
    the ``maxlength`` attribute: a longer username posted by hand reached ``authenticate`` and
    django-axes, whose record of the attempt holds 255 characters (a server error on
    PostgreSQL). Here it is a field error, and nothing is authenticated or counted."""

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        assert isinstance(username, forms.CharField) and username.max_length is not None
        username.validators.append(MaxLengthValidator(username.max_length))

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if not signin.password_allowed(username):
            raise ValidationError(
                _("Innlogging med passord er slått av. Logg inn med jobbkontoen din."),
                code="passwords_off",
            )
        return super().clean()
