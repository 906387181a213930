"""Flask extensions, bound to the app in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
# Per client address; the login throttle (admin.auth) and the public pages share it.
limiter = Limiter(key_func=get_remote_address)
login_manager = LoginManager()
migrate = Migrate()
