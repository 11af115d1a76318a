"""Requests for documents: what the guichet (or, after the commission, the agent relaying it)
asks the applicant to provide, each document with its reason, and the applicant's answer.

A request is structured data, not free text: the documents come from the procedure's own
checklist, each new version answers one item, and the history keeps every request and answer.
"""
