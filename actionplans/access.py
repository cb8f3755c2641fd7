"""What a milestone's pages load with it. The access rule itself is
``agreements.access.get_for_user``, the same for every object of every app."""

from actionplans.models import Milestone

# The milestone page, the progress form and its conflict answer show the sub-goal, the latest
# update's author and the responsible person beside the milestone.
MILESTONE_PAGE = Milestone.objects.select_related(
    "action__sub_goal__focus_area",
    "last_update__author",
    "responsible__user",
)
