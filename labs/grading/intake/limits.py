"""What an intake accepts, and the one exception it raises."""

from __future__ import annotations

from dataclasses import dataclass

from labs.grading.exceptions import SubmissionRefused

MiB = 1024 * 1024


@dataclass(frozen=True)
class IntakeLimits:
    max_entries: int = 5_000  # files and directories
    max_total_bytes: int = 50 * MiB  # uncompressed
    max_file_bytes: int = 10 * MiB
    max_ratio: float = 100.0  # uncompressed bytes / archive bytes, for archives past ratio_floor_bytes
    ratio_floor_bytes: int = 1 * MiB  # small archives may compress well without being bombs
    max_depth: int = 32
    max_path_bytes: int = 1024
    git_timeout: float = 60.0


def refused(reason: str) -> SubmissionRefused:
    return SubmissionRefused(reason)
