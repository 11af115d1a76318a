"""The domain: accounts, roles, communes, and the handlers BPMN service tasks name."""
