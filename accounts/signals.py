from django.dispatch import Signal

# Sent by accounts.services.profile_update with `user` when the name someone goes by changes, so feature apps
# that print the name (teams' certificates) can follow without accounts knowing about them.
display_name_changed = Signal()
