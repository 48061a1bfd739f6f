"""HTML pages: sign-in, administration, and the field worker's phone page."""

from . import admin, auth, phone

BLUEPRINTS = (auth.bp, admin.bp, phone.bp)
