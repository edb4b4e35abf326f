"""The in-app notification centre and each person's notification choices."""
from flask import Blueprint
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _unread_count():
    """The nav's unread badge, on every page of a signed-in person."""
    from coalition.extensions import db
    from coalition.services import notifications

    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    try:
        return {"unread_notifications": notifications.count_unread(db.session, current_user)}
    except SQLAlchemyError:  # an error page after a failed transaction must still render
        return {"unread_notifications": 0}


from coalition.blueprints.notifications import views  # noqa: E402,F401
