"""Extensions, unbound until ``init_app``. The metadata is the engine's and the domain's."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

import handlers  # noqa: F401 - registers the domain tables on the shared metadata
from engine.models import Base

db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
