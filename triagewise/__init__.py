"""triagewise: mirror tracker issues, triage them against the vision, write decisions back."""

__version__ = "0.1.0"
