"""Setting a password by e-mail: "Glemt passordet?" on the login page, and the invitation a new
coordinator or reader gets when they are added to an agreement.

Both use Django's password-reset tokens: a link that works once, for a few days, and stops working
when the password changes or the user logs in.
"""

import datetime
import logging
import smtplib

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from audit.models import PasswordMail

log = logging.getLogger(__name__)

# At most this many password e-mails (forgotten password or invitation) to one person per hour;
# further requests get the same answer on the page and no e-mail.
MAILS_PER_HOUR = 3


def _may_mail(user: User) -> bool:
    since = timezone.now() - datetime.timedelta(hours=1)
    if PasswordMail.objects.filter(user=user, sent_at__gte=since).count() < MAILS_PER_HOUR:
        return True
    log.warning(
        "Password e-mail to user %s held back: %s in the last hour", user.pk, MAILS_PER_HOUR
    )
    return False


def _style(form) -> None:
    for field in form.fields.values():
        field.widget.attrs.setdefault("class", "ds-input")


class PortalPasswordResetForm(PasswordResetForm):
    """Django's form, also for users who were added by a coordinator and never had a password.

    Django leaves users without a usable password out because they might log in elsewhere (LDAP,
    single sign-on); in this portal the only way in is a password, so a new user sets theirs here.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-postadresse")
        self.fields["email"].error_messages.update(
            {
                "required": _("Skriv e-postadressen din."),
                "invalid": _("Skriv en gyldig e-postadresse, som navn@eksempel.no."),
            }
        )
        _style(self)

    def get_users(self, email):
        return User.objects.filter(email__iexact=email, is_active=True).exclude(email="")

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        # Whether the address has an account must not show on the page, so a mail server that is
        # down is logged, not shown, and so is a person who has had enough mails this hour.
        user = context["user"]
        if not _may_mail(user):
            return
        try:
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
        except (smtplib.SMTPException, OSError):
            log.exception("Could not send the password e-mail")
        else:
            PasswordMail.objects.create(user=user)


class PortalSetPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Nytt passord")
        self.fields["new_password1"].help_text = _(
            "Minst 12 tegn. Ikke et vanlig passord, ikke bare tall og ikke likt navnet ditt."
        )
        self.fields["new_password2"].label = _("Gjenta det nye passordet")
        self.fields["new_password2"].help_text = ""
        self.error_messages["password_mismatch"] = _("De to passordene er ikke like.")
        _style(self)


def invitation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL + path


def send_invitation(user: User, *, agreement, invited_by: User) -> bool:
    """E-mail a new user a link to set their password. False if the mail could not be sent."""
    if not user.email:
        return False
    context = {
        "user": user,
        "agreement": agreement,
        "invited_by": invited_by,
        "link": invitation_link(user),
        "login_url": settings.SITE_URL + reverse("login"),
        "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60),
    }
    subject = render_to_string("registration/invitation_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("registration/invitation_email.txt", context),
        to=[user.email],
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        log.exception("Could not send the invitation to user %s", user.pk)
        return False
    PasswordMail.objects.create(user=user)
    return True
