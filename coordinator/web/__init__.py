"""HTML pages: sign-in, administration, and the field worker's phone page."""

from . import (
    admin,
    auth,
    command,
    dispatch,
    households,
    notifications,
    phone,
    records,
    staff_links,
)

BLUEPRINTS = (auth.bp, admin.bp, command.bp, dispatch.bp, phone.bp, staff_links.bp,
              records.bp, notifications.bp, households.bp)
