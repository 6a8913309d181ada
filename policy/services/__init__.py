"""Every write that matters: permission check, validation, transaction, history.

One module per area; import from the module (``from policy.services.milestones import ...``).
"""
