import logging
from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

logger = logging.getLogger("mail")


class JsonConsoleEmailBackend(BaseEmailBackend):
    """Development email: each message becomes one JSON log event on stdout instead of raw text."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            logger.info(
                "email sent",
                extra={
                    "to": list(message.to),
                    "subject": message.subject,
                    "from_email": message.from_email,
                    "body": message.body,
                },
            )
        return len(email_messages)
