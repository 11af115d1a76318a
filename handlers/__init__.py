"""The domain: accounts, communes, commissions, dossiers, and the handlers BPMN service
tasks name (registered in :mod:`handlers.registry`)."""
from . import catalog_store, dossier_models, models  # noqa: F401 - register the domain tables
from .administration import models as administration_models  # noqa: F401 - invitations, admin trail
from .completeness import models as completeness_models  # noqa: F401 - document requests
from .payments import models as payments_models  # noqa: F401 - payment orders and payments
from .signatures import models as signature_models  # noqa: F401 - signer keys, signed documents
from .visio import models as visio_models  # noqa: F401 - the visio-commission's tables
