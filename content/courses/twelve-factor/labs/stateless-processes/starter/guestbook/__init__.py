"""Guestbook: visitors sign in, leave a message with a photo, and applaud."""
