"""The second factor, on django-otp: a TOTP device (an authenticator app) and ten recovery
codes that work once each (a static device).

Enrolment makes an unconfirmed TOTP device, shows its key as a QR code (an SVG made on the
server with segno, no script) and as text, and confirms it with a first code; the recovery codes
are made then and shown once. Every later sign-in that needs the second factor takes a code from
the app or a recovery code (``django_otp.match_token``, which throttles each device's guesses).
"""

import base64

import segno
from django.contrib.auth.models import User
from django.db import transaction
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10
TOTP_NAME = "Autentiseringsapp"
RECOVERY_NAME = "Gjenopprettingskoder"


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed device being set up (the same one until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The ``otpauth://`` address as a QR code, an SVG data: URI for an <img> (CSP img-src)."""
    code = segno.make(device.config_url, error="m")
    return str(code.svg_data_uri(scale=5, border=4, dark="#000000", light="#ffffff"))


def clean_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()[:64]


def confirm_enrolment(device: TOTPDevice, code: str) -> list[str] | None:
    """A right first code confirms the device and makes the recovery codes (returned, to be
    shown once); a wrong one returns None and changes nothing but the device's throttle."""
    if not device.verify_token(clean_code(code)):
        return None
    with transaction.atomic():
        device.confirmed = True
        device.save()
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        return new_recovery_codes(device.user)


def new_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def verify(user: User, code: str) -> Device | None:
    """The device that accepts ``code`` (a code from the app, or an unused recovery code)."""
    cleaned = clean_code(code)
    if not cleaned:
        return None
    device: Device | None = match_token(user, cleaned)
    return device
