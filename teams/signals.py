from django.dispatch import receiver

from accounts.signals import display_name_changed
from labs.signals import scorecard_recorded
from teams.certificates import certificates_rename
from teams.services import assignments_evaluate_for_lab


@receiver(display_name_changed)
def reprint_certificates(sender, user, **kwargs) -> None:
    certificates_rename(user=user)


@receiver(scorecard_recorded)
def evaluate_assignments_with_the_lab(sender, submission, **kwargs) -> None:
    assignments_evaluate_for_lab(user=submission.user, lab=submission.lab)
