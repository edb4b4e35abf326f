"""Publishing a route change starts the push at once (a job after the commit, not the worker's next run):
the affected driver's phone has it when the publish answers (the job runs inline while testing)."""
from __future__ import annotations

import json

from coalition.models import PlanStatus, PushSubscription
from tests.fixtures import driving as f
from tests.fixtures.push_service import browser_keys, vapid_keys


def test_publishing_a_change_pushes_it_to_the_driver_without_the_worker(app, session, now, login_as, post_form,
                                                                        push_service, monkeypatch):
    public, private = vapid_keys()
    monkeypatch.setitem(app.config, "VAPID_PUBLIC_KEY", public)
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", private)
    day = f.local_today(now)
    first = f.make_claim(session, now)
    f.make_route(session, now, claims=[first], local_date=day)
    changed = f.make_route(session, now, claims=[first, f.make_claim(session, now)], status=PlanStatus.READY,
                           local_date=day)
    driver = f.user(session, "driver@example.org")
    keys = browser_keys()
    session.add(PushSubscription(user_id=driver.id, endpoint=f"{push_service.url}/push/driver", p256dh=keys.p256dh,
                                 auth=keys.auth, user_agent="Test phone"))
    plan_id = changed.plan_id
    session.commit()
    login_as("coordinator")
    response = post_form(f"/planning/plans/{plan_id}/publish", {}, token_page="/planning/")
    assert response.status_code in (302, 303)
    titles = [json.loads(keys.decrypt(r.body))["title"] for r in push_service.received if r.path == "/push/driver"]
    assert len(titles) == 1 and "changed: 2 stops added" in titles[0]   # the new claim's pickup and drop-off
