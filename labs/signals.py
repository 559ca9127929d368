"""Signals labs sends, so the apps built on labs (teams' assessments) hear of a result without labs knowing them."""

from django.dispatch import Signal

# Sent once per submission, when its scorecard is first written; arguments: submission.
scorecard_recorded = Signal()
