"""Password rules in Norwegian.

Django 5.2 reworded the minimum-length messages and its bokmål catalogue has not caught up, so the
rule that every user meets first would answer in English; this one says it in bokmål.
"""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "Passordet er for kort. Det må ha minst %(count)d tegn.",
            "Passordet er for kort. Det må ha minst %(count)d tegn.",
            self.min_length,
        ) % {"count": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "Passordet må ha minst %(count)d tegn.",
            "Passordet må ha minst %(count)d tegn.",
            self.min_length,
        ) % {"count": self.min_length}
