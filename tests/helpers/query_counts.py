"""Query counts that more than one test module checks."""

# The number of queries the plan page runs for a coordinator, whatever the number of milestones:
# session, user, plan, the user's roles, the roll-ups (one query), the milestones (with action, sub-goal,
# focus area, lead party, last update and its author joined), the next plan, and the filter
# form's choices (a count and a list each for parties and focus areas).
PLAN_PAGE_QUERIES = 11
