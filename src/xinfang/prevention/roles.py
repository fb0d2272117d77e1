"""Which roles may do what in prevention and duty (checked by services, shown by pages)."""

from xinfang.units.models import Role

# Who may file a unit's screening report: its informants and its own staff, and leaders
# above it (they answer for their subtree).
FILING_ROLES = frozenset({Role.INFORMANT, Role.REGISTRAR, Role.HANDLER, Role.LEADER})
# Who watches compliance over a subtree.
OVERSEEING_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
# Who keeps a unit's duty roster, reception days and emergency plan.
ORGANISING_ROLES = frozenset({Role.REGISTRAR, Role.LEADER, Role.ADMIN})
# Who works a unit's disputes, outreach visits and incidents.
WORKING_ROLES = frozenset({Role.INFORMANT, Role.REGISTRAR, Role.HANDLER, Role.LEADER})
