"""What each view of the portal is, for the permission matrix (tests/test_permission_matrix.py) and
the walk over every page (tests/security/test_headers_and_inline_code.py)."""

# What each view is: "read" (GET only, for anyone with a role in the agreement), "edit"
# (GET and POST, coordinators of the agreement and administrators), "post" (POST only, same people),
# "finalise" (POST only, county coordinators and administrators).
VIEWS = {
    "agreements:agreement-list": "list",
    "agreements:agreement-detail": "read",
    "actionplans:plan-list": "read",
    "actionplans:plan-detail": "read",
    "actionplans:plan-export": "read",
    # Mine milepæler: every signed-in person, their own milestones only.
    "actionplans:my-milestones": "list",
    "actionplans:milestone-detail": "read",
    "actionplans:progress-log": "edit",
    "actionplans:action-create": "edit",
    "actionplans:action-edit": "edit",
    "actionplans:milestone-create": "edit",
    "actionplans:milestone-edit": "edit",
    "actionplans:milestone-delete": "edit",
    "actionplans:plan-import": "edit",
    # «Bekreft import»: POST only; with nothing waiting in the session it goes back to the form.
    "actionplans:plan-import-confirm": "post",
    # A confirmation page (GET) and its button (POST).
    "actionplans:plan-carry-over": "edit",
    "actionplans:dashboard": "read",
    "actionplans:meeting-brief": "read",
    "actionplans:meeting-brief-pdf": "read",
    # Documents on meetings and milestones: attach (a form) and delete (a confirmation page and
    # its button) for coordinators; download for everyone with a role (tests/actionplans/
    # test_attachments.py).
    "actionplans:meeting-attachment-add": "edit",
    "actionplans:milestone-attachment-add": "edit",
    "actionplans:attachment-download": "read",
    "actionplans:attachment-delete": "edit",
    "actionplans:public-progress": "closed",
    "actionplans:public-progress-toggle": "post",
    "agreements:coordinator-list": "read",
    "agreements:coordinator-create": "edit",
    "agreements:coordinator-edit": "edit",
    "agreements:coordinator-delete": "edit",
    # The answer to an invitation: the signed link is the permission (an empty POST shows the
    # page again); withdrawing one: coordinators (tests/security/test_invitations.py).
    "agreements:invitation": "public",
    "agreements:invitation-withdraw": "post",
    "agreements:meeting-schedule": "read",
    "agreements:meeting-plan-year": "post",
    "agreements:meeting-create": "edit",
    "agreements:meeting-detail": "read",
    "agreements:meeting-edit": "edit",
    "actionplans:agenda-item-create": "edit",
    "actionplans:agenda-item-edit": "edit",
    "agreements:decision-create": "edit",
    "agreements:decision-edit": "edit",
    "agreements:task-create": "edit",
    "agreements:task-toggle": "post",
    "agreements:calendar-rotate": "post",
    "agreements:calendar-feed": "token",
    "agreements:meeting-ics": "read",
    "evaluation:indicator-list": "read",
    "evaluation:indicator-detail": "read",
    "evaluation:indicator-create": "edit",
    "evaluation:indicator-edit": "edit",
    "evaluation:indicator-import": "edit",
    # The import's second step: choose and preview (GET), «Lagre tallene» (POST; an empty one
    # shows the preview again).
    "evaluation:indicator-import-draft": "edit",
    # «Hent nye tall»: POST only; the walk's indicator has no SSB table, so no request leaves.
    "evaluation:indicator-fetch": "post",
    "evaluation:indicator-value-add": "edit",
    "evaluation:indicator-value-edit": "edit",
    "evaluation:indicator-value-delete": "edit",
    "evaluation:feedback-list": "read",
    "evaluation:feedback-toggle": "post",
    "evaluation:feedback-rotate": "edit",
    "evaluation:feedback-form": "public",
    "evaluation:evaluation-list": "read",
    "evaluation:evaluation-detail": "read",
    "evaluation:evaluation-pdf": "read",
    "evaluation:evaluation-create": "edit",
    "evaluation:evaluation-edit": "edit",
    "evaluation:assessment-edit": "edit",
    "evaluation:recommendation-create": "edit",
    "evaluation:recommendation-edit": "edit",
    "evaluation:evaluation-refresh": "post",
    "evaluation:recommendation-delete": "post",
    # Finalising: county coordinators and administrators (``coordinator`` is a county one; the
    # regional council's coordinator ``council`` gets 403; see tests/evaluation/test_finalise.py).
    "evaluation:evaluation-finalise": "finalise",
    # Setting up an agreement (issue #16): "start" (a new one: administrators and county
    # coordinators), "setup" (GET and POST) and "setup-page" (GET only) for the agreement's
    # county coordinators and administrators; moving an item is a POST for the same people,
    # which is what "finalise" checks. The revisions: whoever reads the agreement.
    "agreements:setup-create": "start",
    "agreements:setup": "setup-page",
    "agreements:setup-texts": "setup",
    "agreements:setup-paste": "setup",
    "agreements:setup-party-add": "setup",
    "agreements:setup-item-add": "setup",
    "agreements:setup-item-edit": "setup",
    "agreements:setup-item-delete": "setup",
    "agreements:setup-item-move": "finalise",
    "agreements:revision-list": "read",
    # A new action plan (the first of an agreement set up in the portal): its coordinators.
    "actionplans:plan-create": "edit",
    # Search: every signed-in person, over what they may read (tests/evaluation/test_search.py).
    "evaluation:search": "list",
    # The audit log: administrators only; it has no form that changes anything.
    "audit:log": "admin",
    # Across every agreement, for administrators and county coordinators (``coordinator``; the
    # regional council's coordinator, readers and outsiders get 403): «Personer og roller» and
    # «Fylkets oversikt» (GET only), deactivating and reactivating an account (a confirmation
    # page and its button; tests/agreements/test_people.py).
    "people:people-list": "county",
    "people:person-deactivate": "county-edit",
    "people:person-reactivate": "county-edit",
    "county:overview": "county",
    "county:overview-excel": "county",
}
# Views outside the apps' namespaces that are deliberately open or handled by Django itself.
OUTSIDE = {
    "home",
    "login",
    "logout",
    "accessibility",
    "health",
    # Readiness for a load balancer: open, answers only «ok» or 503 (tests/production/).
    "readiness",
    # Setting a password by e-mail: open to anyone, the token in the link is the permission
    # (tests/security/test_password_links.py).
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    # Single sign-on and the second factor: open, part of signing in (tests/security/test_sso.py
    # and test_sso_mfa.py); the code pages need a sign-in waiting for its code.
    "oidc-start",
    "oidc-callback",
    "mfa-verify",
    "mfa-enrol",
    "mfa-recovery-codes",
    # The meeting brief's addresses from before it moved under /avtaler/moter/<pk>/: a 301 for
    # anyone to the new address, which checks access (tests/actionplans/test_meeting_brief.py).
    "actionplans:meeting-brief-old",
    "actionplans:meeting-brief-pdf-old",
}
