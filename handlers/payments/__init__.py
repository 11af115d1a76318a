"""Fees paid end to end: the payment order (ordre de recette), the applicant's payment —
a quittance uploaded, or a payment through a provider (:mod:`.providers`) — and the
guichet's reconciliation, each state kept for the API and the history."""
