"""Join codes: short enough to type from a projector, long enough not to be guessed."""

import secrets

# No 0/O, 1/I/L: a code read off a screen is typed correctly the first time.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 12  # 31**12 ≈ 8e17 codes; with the rate limit a guess succeeds far less often than once a millennium.


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(code: str) -> str:
    """What a learner typed, as stored: upper case, no spaces or dashes."""
    return "".join(code.split()).replace("-", "").upper()
