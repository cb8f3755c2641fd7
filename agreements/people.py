"""People and roles across every agreement («Personer og roller»).

Administrators and county coordinators (a coordinator appointed for Troms fylkeskommune, the
county, in some agreement) see who has which role where, and deactivate or reactivate accounts.
Roles themselves are given, changed and taken away on each agreement's own pages (the invitation
and coordinator pages, agreements.views_meetings and agreements.invitations); this module only
reads them.

Who sees whom:

- an administrator sees every account;
- a county coordinator sees the people who have a role in an agreement where they are a county
  coordinator, and only those roles (not what the same person does in other agreements).

Who may deactivate or reactivate an account (``account_refusal``):

- nobody deactivates themself, and nobody deactivates the last active administrator;
- an administrator may change any other account;
- a county coordinator may change an account that is neither an administrator's nor staff, and
  whose every role is in agreements where the county coordinator is one: a person who also works
  in an agreement the county coordinator does not follow is left to that agreement's county
  coordinator or to an administrator. An account with no role at all is left to administrators.

A deactivated account cannot log in (Django refuses inactive users, including sessions already
open), gets no password links, and has no access under agreements.rules; its roles stay, so that
reactivating it gives the person back exactly what they had. Invitations still waiting for an
answer at the account's e-mail address are withdrawn with it: accepting one would otherwise make
a new account for the same person (invitations look only at active accounts).
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext

from agreements import rules
from agreements.models import Coordinator, Invitation, Party
from tromsvekst.audit import capture as audit

AnyUser = rules.AnyUser


def county_agreement_ids(user: AnyUser) -> set[int]:
    """The agreements (pks) where ``user`` is an active county coordinator. One query."""
    if not user.is_authenticated or not user.is_active:
        return set()
    return set(
        Coordinator.objects.filter(
            user=user, role=Coordinator.Role.COORDINATOR, party__kind=Party.Kind.COUNTY
        ).values_list("agreement_id", flat=True)
    )


def can_manage_people(user: AnyUser, county_ids: set[int] | None = None) -> bool:
    """May ``user`` open «Personer og roller» and the county's overview: administrators and
    county coordinators, the same people who may set up agreements
    (``rules.can_set_up_agreements``). ``county_ids``: ``county_agreement_ids(user)`` if
    already at hand (saves the query)."""
    if county_ids is None:
        return rules.can_set_up_agreements(user)
    return rules.is_admin(user) or bool(county_ids)


@dataclass
class PersonRow:
    """One account on «Personer og roller»: the roles the viewer may see, and whether the viewer
    may deactivate or reactivate it (``refusal`` says why not, empty when they may)."""

    user: User
    appointments: list[Coordinator] = field(default_factory=list)
    refusal: str = ""
    is_self: bool = False

    @property
    def can_change_account(self) -> bool:
        return not self.refusal


def _visible_users(actor: AnyUser, county_ids: set[int]) -> "QuerySet[User]":
    if rules.is_admin(actor):
        return User.objects.all()
    return User.objects.filter(appointments__agreement_id__in=county_ids).distinct()


def people_rows(actor: AnyUser, county_ids: set[int] | None = None) -> list[PersonRow]:
    """Every account ``actor`` may see, by name, with their roles: at most four queries whatever
    the number of people and agreements (the county's agreements, the accounts, their roles,
    and who of them has roles elsewhere, or how many administrators are active)."""
    if county_ids is None:
        county_ids = county_agreement_ids(actor)
    admin = rules.is_admin(actor)
    roles = Coordinator.objects.select_related("agreement", "party").order_by(
        "agreement__title", "party__name"
    )
    if not admin:
        roles = roles.filter(agreement_id__in=county_ids)
    users = (
        _visible_users(actor, county_ids)
        .order_by("first_name", "last_name", "username")
        .prefetch_related(Prefetch("appointments", queryset=roles, to_attr="visible_roles"))
    )
    people = list(users)
    # People who also have roles in agreements the county coordinator does not follow.
    elsewhere: set[int] = set()
    if not admin:
        elsewhere = set(
            Coordinator.objects.filter(user__in=[p.pk for p in people])
            .exclude(agreement_id__in=county_ids)
            .values_list("user_id", flat=True)
        )
    active_admins = _active_admin_count() if admin else 0
    rows = []
    for user in people:
        row = PersonRow(user=user, appointments=user.visible_roles, is_self=user.pk == actor.pk)
        row.refusal = _refusal(
            actor,
            user,
            has_roles=bool(row.appointments) or user.pk in elsewhere,
            roles_elsewhere=user.pk in elsewhere,
            active_admins=active_admins,
        )
        rows.append(row)
    return rows


def _active_admin_count() -> int:
    return User.objects.filter(is_superuser=True, is_active=True).count()


def _refusal(
    actor: AnyUser,
    target: User,
    *,
    has_roles: bool,
    roles_elsewhere: bool,
    active_admins: int,
) -> str:
    """Why ``actor`` may not deactivate or reactivate ``target``; empty if they may.

    ``has_roles``: ``target`` has a role in some agreement; ``roles_elsewhere``: in an agreement
    where ``actor`` is not a county coordinator (neither is read for an administrator);
    ``active_admins``: how many active administrators there are (read only for an
    administrator, the only one who may deactivate one)."""
    if target.pk == actor.pk:
        return gettext("Du kan ikke deaktivere din egen konto.")
    if rules.is_admin(actor):
        if target.is_superuser and target.is_active and active_admins <= 1:
            return gettext(
                "Dette er den siste aktive administratoren. Gi en annen person "
                "administratorrettigheter først."
            )
        return ""
    if target.is_superuser or target.is_staff:
        return gettext("Bare en administrator kan endre en administrators konto.")
    if not has_roles:
        return gettext("Personen har ingen rolle i avtalene dine. Kontakt en administrator.")
    if roles_elsewhere:
        return gettext(
            "Personen har også roller i avtaler du ikke er koordinator for fylkeskommunen i. "
            "Kontakt en administrator."
        )
    return ""


def account_refusal(actor: AnyUser, target: User) -> str:
    """Why ``actor`` may not deactivate or reactivate ``target``; empty if they may."""
    county_ids = county_agreement_ids(actor)
    agreement_ids = set(
        Coordinator.objects.filter(user=target).values_list("agreement_id", flat=True)
    )
    active_admins = _active_admin_count() if rules.is_admin(actor) else 0
    return _refusal(
        actor,
        target,
        has_roles=bool(agreement_ids),
        roles_elsewhere=not agreement_ids <= county_ids,
        active_admins=active_admins,
    )


def may_see_person(actor: AnyUser, target: User) -> bool:
    """Is ``target`` on ``actor``'s «Personer og roller» (``people_rows``)?"""
    if rules.is_admin(actor):
        return True
    county_ids = county_agreement_ids(actor)
    return Coordinator.objects.filter(user=target, agreement_id__in=county_ids).exists()


def waiting_invitations(user: User) -> "QuerySet[Invitation]":
    """The unanswered invitations to ``user``'s e-mail address (none without an address)."""
    if not user.email:
        return Invitation.objects.none()
    return Invitation.objects.filter(email__iexact=user.email)


def account_set_active(*, user: User, active: bool, by: User) -> bool:
    """Deactivate (``active=False``) or reactivate an account, with an entry in the audit log.

    Refused (ValidationError, in Norwegian) by ``account_refusal``; the rows of the active
    administrators are locked first, so that two administrators deactivating each other at the
    same moment cannot leave none. Returns whether anything changed (an account already in that
    state is left alone, with no entry). Deactivating withdraws the invitations waiting at the
    account's address (``waiting_invitations``).
    """
    with transaction.atomic():
        list(
            User.objects.select_for_update()
            .filter(is_superuser=True, is_active=True)
            .values_list("pk", flat=True)
        )
        target = User.objects.select_for_update().get(pk=user.pk)
        if target.is_active == active:
            return False
        refusal = account_refusal(by, target)
        if refusal:
            raise ValidationError(refusal)
        old = target.is_active
        target.is_active = active
        target.save(update_fields=["is_active"])
        audit.record_bulk_changed([(target, {"is_active": old})])
        if not active:
            # Each deletion is recorded in the audit log by its signal.
            waiting_invitations(target).delete()
    user.is_active = active
    return True
