"""Role sets shared by more than one app, each defined once (services check them, pages
ask the same set). An app's own sets (prevention/roles.py, a service's constants) stay there."""

from xinfang.units.models import Role

# Who registers petitions at a unit (and so reopens a case as a new registration there):
# its registrars and the leaders over it.
REGISTERING_ROLES = frozenset({Role.REGISTRAR, Role.LEADER})
