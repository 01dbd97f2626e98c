"""Careers: next roles, development plans and audiences, built on the skill model.

- :mod:`~recsvc.recommend.careers.next_roles`: likely next roles with readiness and gaps;
- :mod:`~recsvc.recommend.careers.plan`: an ordered, time-fitted development plan toward a goal;
- :mod:`~recsvc.recommend.careers.audience`: the employees who most need an item or a skill;
- :mod:`~recsvc.recommend.careers.groups`: the k-anonymity rule every count of people follows.
"""
