"""Notes: a tiny service for writing notes and sharing them by signed link."""
