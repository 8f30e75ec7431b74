"""Graded administration: role templates, the policy store, decisions, grants, explain, lint.

A role is granted in a domain (a region's subtree × one department or all); decisions follow
the Casbin RBAC-with-domains model over our own tables (see ``rbac.enforcer``).
"""
