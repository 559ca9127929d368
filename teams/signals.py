from django.dispatch import receiver

from accounts.signals import display_name_changed
from teams.certificates import certificates_rename


@receiver(display_name_changed)
def reprint_certificates(sender, user, **kwargs) -> None:
    certificates_rename(user=user)
