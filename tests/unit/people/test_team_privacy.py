"""Teams are shown only when the organisation minus every shown team singles no one out."""

from __future__ import annotations

from recsvc.privacy import publishable_groups


def test_people_in_no_team_count_toward_the_remainder() -> None:
    # a team of 9 and a team of 3: showing the 9 would let "organisation minus 9" reveal 3
    assert publishable_groups([9, 3], 5).tolist() == [False, False]
    # with 80 people outside every team the remainder is 83: the 9 can be shown
    assert publishable_groups([9, 3], 5, outside=80).tolist() == [True, False]
    # two people outside and no small team: a remainder of 2 hides the smallest team too
    assert publishable_groups([9, 6], 5, outside=2).tolist() == [True, False]
