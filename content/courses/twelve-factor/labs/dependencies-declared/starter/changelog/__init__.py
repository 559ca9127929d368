"""Changelog: publish release notes and list what changed since a given moment."""

import os
import sys

# The date helpers are shared by the team's services. On our laptops they come from the platform-libs
# checkout next to this repository; on the servers, from the copy in vendor/.
sys.path.append("../platform-libs")
sys.path.append(os.path.join(os.path.dirname(__file__), "..", "vendor"))
