"""Extensions, unbound until ``init_app``. The metadata is the engine's and the domain's."""
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

import handlers.dossier_models  # noqa: F401 - registers the domain tables on the shared metadata
import handlers.models  # noqa: F401
from engine.models import Base

db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate()
