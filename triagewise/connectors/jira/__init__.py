"""Jira Cloud and Data Center, through the `jira` library, into the same model."""
