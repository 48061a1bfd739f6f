"""Extensions created unbound here and bound to an app in the factory."""

from flask_babel import Babel
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
socketio = SocketIO()
