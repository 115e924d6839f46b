"""The files `triagewise init` and `triagewise demo` write."""

from __future__ import annotations

STARTER = """\
# triagewise.toml — what your product is for, and where its issues live.
# Reference: the README's "Config reference". Check it with: triagewise config validate

[vision]
# "lexical" (words), "semantic" (meaning, by a model that ships with triagewise), or "auto".
backend = "auto"
# One sentence a new teammate would understand.
statement = "Small teams get from sign-up to a shared board in five minutes."
# Themes: words and phrases that show an issue serves the vision.
themes = { onboarding = ["signup", "invite", "first run"], collaboration = ["share", "comment"] }
# Anti-themes: things you decided not to do. Matching issues lean towards "never".
anti_themes = { enterprise = ["saml", "scim"] }

[[goals]]
id = "activation"                      # becomes the label goal/activation
title = "Week-1 activation from 25% to 40%"
weight = 3                             # how much this goal matters relative to the others
keywords = ["signup", "invite"]        # words in the title or body
labels = ["onboarding"]                # labels already on the issue

[triage]
now_capacity = 15                      # how many issues "now" holds, or "velocity"
framework = "weighted"                 # or "rice", "wsjf", "ice"
never_review_days = 90                 # a "never" comes back for review after this long

# Forced rules decide before the scores do; the first that matches wins.
[[triage.rules]]
name = "security first"
when = { labels = ["security"] }
bucket = "now"
reason = "Security issues ship before anything else."

[[sources]]
name = "app"
type = "github"
repo = "acme/app"
# api_url = "https://github.example.com/api/v3"   # GitHub Enterprise
token_env = "GITHUB_TOKEN"             # the token is read from this environment variable

# [[sources]]
# name = "platform"
# type = "jira"
# url = "https://acme.atlassian.net"
# jql = "project = PLAT AND statusCategory != Done"
# user_env = "JIRA_EMAIL"              # Cloud: account email; Data Center: user name
# token_env = "JIRA_API_TOKEN"         # API token or password; without user_env: a bearer PAT

[writeback]
label_prefix = "triage"                # triage/now, triage/later, triage/never
goal_prefix = "goal"                   # goal/<goal id>
rank = true
"""

DEMO_MARKER = "# written by `triagewise demo`"

DEMO_TOKEN_ENV = "TRIAGEWISE_DEMO_TOKEN"
DEMO_USER_ENV = "TRIAGEWISE_DEMO_JIRA_USER"


def demo_config(sandbox_url: str) -> str:
    return f"""\
{DEMO_MARKER}: it points at a sandbox that lives only while the demo runs.
# Run `triagewise init` in another folder to start with your own tracker.

[vision]
backend = "auto"                       # "semantic" when onnxruntime and tokenizers import
statement = "Small teams get from sign-up to a shared board in five minutes."
themes = {{ onboarding = ["signup", "sign up", "invite", "first run", "template"], collaboration = ["share", "comment", "mention", "real time"], speed = ["slow", "load", "lag", "performance"] }}
anti_themes = {{ enterprise = ["saml", "scim", "sso", "on-premise", "audit log", "data residency"] }}

[[goals]]
id = "activation"
title = "Week-1 activation from 25% to 40%"
description = "New teams sign up, make their first board and bring their teammates in during the first week: registration, invitations, joining a workspace, the first-run experience."
weight = 3
keywords = ["signup", "sign up", "invite", "first run", "template"]
labels = ["onboarding"]

[[goals]]
id = "collaboration"
title = "Half of boards shared within a week"
description = "People work together on a board: sharing it with teammates and clients, discussing cards, mentioning and notifying each other, seeing each other's changes live."
weight = 2
keywords = ["share", "comment", "mention"]
labels = ["collaboration", "sharing"]

[[goals]]
id = "speed"
title = "Every board opens in under a second"
description = "The product feels fast: boards open quickly, dragging and searching respond at once, the app starts fast and large boards never freeze."
weight = 2
keywords = ["slow", "load", "lag"]
labels = ["performance"]

[triage]
framework = "weighted"                 # or "rice", "wsjf", "ice"
weights = {{ impact = 3, alignment = 2, demand = 2, urgency = 1, ease = 1 }}
now_capacity = 12                      # issues; or "velocity" (closed per week × cycle_weeks)
never_review_days = 90                 # "never" comes back for review after this many days
min_goal_confidence = 0.3
default_effort = 3                     # points, when an issue has no estimate or size label

[[triage.rules]]
name = "accessibility blockers"
when = {{ labels = ["accessibility"], types = ["Bug"] }}
bucket = "now"
reason = "Accessibility bugs block customers from using the product at all; they ship first."

[[triage.rules]]
name = "epics are containers"
when = {{ types = ["Epic"] }}
bucket = "later"
reason = "Epics are planned through their stories, which are triaged one by one."

[[triage.rules]]
name = "stale requests"
when = {{ older_than_days = 365, reactions_below = 3 }}
bucket = "never"
reason = "Filed over a year ago and nobody has asked for it since."

[[sources]]
name = "app"
type = "github"
repo = "tandem/app"
api_url = "{sandbox_url}"
token_env = "{DEMO_TOKEN_ENV}"
# the roadmap board, ordered by the ranking; its Number field "Triage score" gets the score
project = {{ owner = "tandem", number = 1, score_field = "Triage score" }}

[[sources]]
name = "platform"
type = "jira"
url = "{sandbox_url}"
jql = "project = PLAT ORDER BY Rank ASC"
user_env = "{DEMO_USER_ENV}"
token_env = "{DEMO_TOKEN_ENV}"

[writeback]
label_prefix = "triage"
goal_prefix = "goal"
rank = true

[network]
write_interval = 0                     # a local sandbox needs no pacing; GitHub asks for 1 s
"""
