"""Extensions created unbound here and bound to an app in the factory.

Socket.IO is the exception: its server holds per-app state (rooms, the message queue), so each
app gets its own `SocketIO` in `realtime.init_app`, found later as `app.extensions["socketio"]`.
"""

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
