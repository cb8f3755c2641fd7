"""Who may do what: the permission table of the design notes, in one place.

Views call these functions (through the ``_get_*_for_user`` helpers); templates never decide
who may see what, they only read flags a view computed with these rules.
"""

from django.contrib.auth.models import AnonymousUser, User

from agreements.models import Agreement, AgreementQuerySet, Coordinator, Party
from tromsvekst.lib.queries import KeptCall, KeptSQL, rows_together

AnyUser = User | AnonymousUser


def is_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


# Every page asks it: the SQL is built once (tromsvekst.lib.queries.KeptSQL).
_APPOINTMENTS = KeptSQL(
    lambda v: Coordinator.objects.filter(user=v.user).values_list(
        "agreement_id", "role", "party_id", "party__kind"
    ),
    user=int,
)


def appointments_call(user: AnyUser) -> KeptCall | None:
    """The query of the user's appointments, for a caller that runs it with others
    (``tromsvekst.lib.queries.rows_together``) and gives its rows to ``remember_appointments``;
    None when there is nothing to read (anonymous, inactive, or read already)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if getattr(user, "_agreement_appointments", None) is not None:
        return None
    return _APPOINTMENTS.call(user=user.pk)


def remember_appointments(user: AnyUser, rows: list[tuple]) -> None:
    """Keep the user's appointments (the rows of ``appointments_call``) on the user object for
    the rest of the request."""
    user._agreement_appointments = {  # type: ignore[union-attr]  # a cache kept on the request's user object, not a field of the model
        agreement_id: (role, party_id, kind) for agreement_id, role, party_id, kind in rows
    }


def _appointment(user: AnyUser, agreement: Agreement) -> tuple[str, int, str] | None:
    """The user's (role, party pk, party kind) in the agreement, or None. One query per user
    object, kept on it for the rest of the request."""
    if not user.is_authenticated or not user.is_active:
        return None
    call = appointments_call(user)
    if call is not None:
        remember_appointments(user, rows_together(call)[0])
    appointments: dict[int, tuple[str, int, str]] = user._agreement_appointments  # type: ignore[attr-defined]  # kept by remember_appointments
    return appointments.get(agreement.pk)


def _role(user: AnyUser, agreement: Agreement) -> str | None:
    appointment = _appointment(user, agreement)
    return appointment[0] if appointment else None


def can_view_agreement(user: AnyUser, agreement: Agreement) -> bool:
    """Read the agreement, its plans, dashboard and meetings."""
    return agreement.is_public or is_admin(user) or _role(user, agreement) is not None


def can_view_internal(user: AnyUser, agreement: Agreement) -> bool:
    """Read what is not public even for a public agreement (comments, names, meetings)."""
    return is_admin(user) or _role(user, agreement) is not None


def can_edit_agreement(user: AnyUser, agreement: Agreement) -> bool:
    """Log progress, edit plans, plan meetings, draft evaluations."""
    return is_admin(user) or _role(user, agreement) == Coordinator.Role.COORDINATOR


def can_finalise_evaluation(user: AnyUser, agreement: Agreement) -> bool:
    """Finalise and export the evaluation report: county coordinators and administrators."""
    if is_admin(user):
        return True
    if not user.is_authenticated:
        return False
    return Coordinator.objects.filter(
        user=user,
        agreement=agreement,
        role=Coordinator.Role.COORDINATOR,
        party__kind=Party.Kind.COUNTY,
    ).exists()


def standing(user: AnyUser, agreement: Agreement) -> tuple[bool, str | None, str | None]:
    """(administrator, role, party kind) of the user in the agreement: everything the rules
    above decide by (can_edit_agreement, can_finalise_evaluation among them), from the
    appointment already read, so no query. A page kept for everyone of the same standing
    (tromsvekst/lib/pagecache.py) is keyed on it."""
    appointment = _appointment(user, agreement)
    role, kind = (appointment[0], appointment[2]) if appointment else (None, None)
    return is_admin(user), role, kind


def can_set_up_agreements(user: AnyUser) -> bool:
    """Start a new agreement in the portal: administrators and anyone who is a county coordinator
    of some agreement."""
    if is_admin(user):
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    return Coordinator.objects.filter(
        user=user, role=Coordinator.Role.COORDINATOR, party__kind=Party.Kind.COUNTY
    ).exists()


def can_set_up_agreement(user: AnyUser, agreement: Agreement) -> bool:
    """Change an agreement's set-up (texts, parties, structure): administrators and the
    agreement's county coordinators."""
    return is_admin(user) or _is_county_coordinator(user, agreement)


def visible_agreements(user: AnyUser) -> AgreementQuerySet:
    """The agreements a user may read, for lists."""
    if is_admin(user):
        return Agreement.objects.all()
    if not user.is_authenticated:
        return Agreement.objects.public()
    from django.db.models import Q

    return Agreement.objects.filter(Q(is_public=True) | Q(coordinators__user=user)).distinct()


# --- Who may appoint whom ------------------------------------------------------------------------
# The one rule for giving, changing and taking away roles in an agreement. The coordinators' forms
# offer only what it allows, their views and the services (agreements.services.coordinator_*)
# refuse what it forbids; tests/security/test_appointment_rule.py checks it for every pair of roles.


def _is_county_coordinator(user: AnyUser, agreement: Agreement) -> bool:
    appointment = _appointment(user, agreement)
    return bool(
        appointment
        and appointment[0] == Coordinator.Role.COORDINATOR
        and appointment[2] == Party.Kind.COUNTY
    )


def appointable_party_ids(actor: AnyUser, agreement: Agreement) -> set[int]:
    """The parties of ``agreement`` (pks) for which ``actor`` may appoint people.

    Administrators and the county's coordinators: every party of the agreement. A coordinator of
    any other party (a regional council): their own party only, so that they can never give
    anyone, themself included, the county's rights (finalising evaluations). Readers, outsiders
    and anonymous visitors: none.
    """
    if is_admin(actor) or _is_county_coordinator(actor, agreement):
        return set(agreement.parties.values_list("pk", flat=True))
    appointment = _appointment(actor, agreement)
    if appointment and appointment[0] == Coordinator.Role.COORDINATOR:
        return {appointment[1]}
    return set()


def may_appoint(
    actor: AnyUser,
    agreement: Agreement,
    *,
    party: Party | int | None,
    role: str,
    target: User | None,
) -> bool:
    """May ``actor`` give ``target`` the role ``role`` for ``party`` in ``agreement``?

    ``target`` is the user whose role is given or changed, or None for a person who has no role
    in the agreement yet (an invitation by e-mail). The rule:

    - nobody changes their own role or party, administrators included (saving one's own
      appointment unchanged, e.g. a new phone number, is allowed);
    - the party must be one ``actor`` may appoint for (``appointable_party_ids``), and so must
      the party ``target`` has now: a regional council's coordinator cannot move or demote the
      county's people;
    - the role must be coordinator or reader.
    """
    if party is None or role not in Coordinator.Role.values:
        return False
    allowed = appointable_party_ids(actor, agreement)
    if not allowed:
        return False
    current = None
    if target is not None:
        current = (
            Coordinator.objects.filter(agreement=agreement, user=target)
            .values_list("role", "party_id")
            .first()
        )
    party_id = getattr(party, "pk", party)
    if target is not None and target.pk == actor.pk:
        return current is not None and current == (role, party_id)
    if current is not None and current[1] not in allowed:
        return False
    return party_id in allowed


def may_change(
    actor: AnyUser, appointment: Coordinator, *, allowed: set[int] | None = None
) -> bool:
    """May ``actor`` open ``appointment`` for changes: their own (title and phone; role and party
    stay), or one of a party they may appoint for. ``allowed``: ``appointable_party_ids``, when
    the caller has it already (a list of people)."""
    if not can_edit_agreement(actor, appointment.agreement):
        return False
    if appointment.user_id == actor.pk:
        return True
    if allowed is None:
        allowed = appointable_party_ids(actor, appointment.agreement)
    return appointment.party_id in allowed


def may_remove(
    actor: AnyUser, appointment: Coordinator, *, allowed: set[int] | None = None
) -> bool:
    """May ``actor`` take away ``appointment`` (a role in an agreement)?

    Anyone who may edit the agreement may leave it (the services keep its last coordinator);
    someone else's role only if ``actor`` may appoint for its party.
    """
    return may_change(actor, appointment, allowed=allowed)
