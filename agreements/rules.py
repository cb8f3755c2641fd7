"""Who may do what: the permission table of the design notes, in one place.

Views call these functions (through the ``_get_*_for_user`` helpers); templates never decide
who may see what, they only read flags a view computed with these rules.
"""

from django.contrib.auth.models import AnonymousUser, User

from agreements.models import Agreement, Coordinator, Party

AnyUser = User | AnonymousUser


def is_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _role(user: AnyUser, agreement: Agreement) -> str | None:
    if not user.is_authenticated or not user.is_active:
        return None
    roles = getattr(user, "_agreement_roles", None)
    if roles is None:
        roles = dict(Coordinator.objects.filter(user=user).values_list("agreement_id", "role"))
        user._agreement_roles = roles
    return roles.get(agreement.pk)


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


def visible_agreements(user: AnyUser):
    """The agreements a user may read, for lists."""
    if is_admin(user):
        return Agreement.objects.all()
    if not user.is_authenticated:
        return Agreement.objects.public()
    from django.db.models import Q

    return Agreement.objects.filter(Q(is_public=True) | Q(coordinators__user=user)).distinct()
