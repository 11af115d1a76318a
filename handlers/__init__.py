"""The domain: accounts, communes, commissions, dossiers, and the handlers BPMN service
tasks name (registered in :mod:`handlers.registry`)."""
from . import catalog_store, dossier_models, models  # noqa: F401 - register the domain tables
from .signatures import models as signature_models  # noqa: F401 - signer keys, signed documents
from .visio import models as visio_models  # noqa: F401 - the visio-commission's tables
