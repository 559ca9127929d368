# Copied in from the platform-libs repository in 2021 so the servers would not need that checkout.
# Based on python-dateutil 2.8; trimmed to the one function we use. Nobody has updated it since.
