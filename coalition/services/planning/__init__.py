"""Route planning: a day's claims and drivers' shifts become routes, stops and drops.

The flow, and the module that owns each part:

- :mod:`.queries` reads the day: the claims and shifts to plan, the day's plans, a plan's progress;
- :mod:`.run` starts a plan (status SOLVING; the caller enqueues :func:`coalition.jobs.plan_job`) and is that
  job's body, in named steps: load, build, solve, enforce food safety, save;
- :mod:`.translate` is the ONLY place database rows become a ``routing.Problem`` and a ``routing.Solution``
  comes back as rows (RoutePlan figures, Route, Stop, PlanDrop);
- :mod:`.edits` holds the coordinator's changes: move a request (a re-solve), re-plan the rest of a
  published day around what was already done, publish;
- :mod:`.retime` moves the planned times of a route's remaining stops when a stop leaves it mid-day (a line
  refused at the door), without a solve.

The summary a planning job returns (the CLI prints it) is :func:`.run.plan_summary`; how a plan reads on a
page (the map's data, drops grouped by reason) belongs to the planning blueprint.

Times in the problem are seconds since the plan day's local midnight.
Request ids are ``c<claim id>``, vehicle ids ``s<shift id>``.
"""
