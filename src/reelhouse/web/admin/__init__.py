"""Admin pages, one module per area: libraries, users, jobs, and matching the items no provider
matched.

A form that the services refuse is shown again with what the user typed and what is wrong.
"""
