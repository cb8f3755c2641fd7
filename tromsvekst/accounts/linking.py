"""Who a single sign-on is: the portal's user behind a provider's ID token.

By the stable subject once linked (``ExternalIdentity``); the first time for the person who
accepted an invitation and chose this provider (``invited``: the e-mailed link proved who they
are, for providers that send no e-mail address, such as Ansattporten), or else by the provider's
verified e-mail address, which must belong to exactly one user. Nobody gets an account here:
an unknown person is told to ask their coordinator (who invites them), and roles stay the
portal's own.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from tromsvekst.accounts.models import ExternalIdentity
from tromsvekst.accounts.providers import OIDCProvider

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Match:
    """The user found (None: nobody), and how: "subject", "email" (linked now) or why not."""

    user: User | None
    how: str


def verified_email(provider: OIDCProvider, claims: dict[str, Any]) -> str | None:
    """The address, when the provider vouches for it: ``email_verified`` true, or (a provider
    that sends no ``email_verified``, such as Entra ID) a domain in ``_EMAIL_DOMAINS``."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        return None
    verified = claims.get("email_verified")
    if verified is True or verified == "true":
        return email
    # Entra ID's optional claim: the address's domain is verified by the tenant that issued
    # the token (a tenant's own issuer URL, so only that tenant's people sign in).
    if verified is None and claims.get("xms_edov") is True:
        return email
    domain = email.rsplit("@", 1)[1].lower()
    if verified is None and domain in provider.email_domains:
        return email
    return None


def subject_of(provider: OIDCProvider, claims: dict[str, Any]) -> str | None:
    subject = claims.get(provider.subject_claim)
    if isinstance(subject, str) and 0 < len(subject) <= 255:
        return subject
    return None


def _link(provider: OIDCProvider, user: User, subject: str, email: str) -> Match:
    if ExternalIdentity.objects.filter(user=user, provider=provider.name).exists():
        # Linked to another account at the same provider: an address reused by someone else.
        log.warning(
            "Single sign-on: user %s is linked to another %s account", user.pk, provider.name
        )
        return Match(None, "linked-elsewhere")
    try:
        with transaction.atomic():
            ExternalIdentity.objects.create(
                user=user,
                provider=provider.name,
                subject=subject,
                email=email,
                last_used_at=timezone.now(),
            )
    except IntegrityError:
        return Match(None, "linked-elsewhere")
    return Match(user, "linked")


def find_user(
    provider: OIDCProvider, claims: dict[str, Any], *, invited: User | None = None
) -> Match:
    subject = subject_of(provider, claims)
    if subject is None:
        return Match(None, "no-subject")
    identity = (
        ExternalIdentity.objects.select_related("user")
        .filter(provider=provider.name, subject=subject)
        .first()
    )
    if identity is not None:
        ExternalIdentity.objects.filter(pk=identity.pk).update(last_used_at=timezone.now())
        return Match(identity.user, "subject")
    email = verified_email(provider, claims)
    if invited is not None and invited.is_active:
        return _link(provider, invited, subject, email or "")
    if email is None:
        return Match(None, "no-verified-email")
    users = list(User.objects.filter(email__iexact=email)[:2])
    if len(users) != 1:
        if users:
            log.warning(
                "Single sign-on: several users share the address of a %s login", provider.name
            )
        return Match(None, "no-user" if not users else "several-users")
    user = users[0]
    if not user.is_active:
        # Told that the account is disabled, and not linked.
        return Match(user, "email")
    return _link(provider, user, subject, email)
