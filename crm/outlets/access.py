"""Who sees which outlets: staff by the outlet's own region, org unit and field manager (as
for organisations); dealers the outlets of their organisation and sub-dealers. Equipment and
photos go with their outlet."""

from django.db.models import Q

from crm.clients.access import staff_change, territory
from crm.core import access
from crm.outlets.models import Outlet, OutletEquipment, OutletPhoto


@access.register(Outlet)
class OutletAccess(access.ModelAccess):
    def view(self, scope, f):
        if scope.outside:
            return Q(**{f("dealer_id__in"): scope.dealer_ids}) | Q(
                **{f("dealer__parent_dealer_id__in"): scope.dealer_ids}
            )
        return territory(scope, f)

    def change(self, scope, f):
        if scope.outside:
            return access.NOTHING
        return staff_change(scope, f)


class _ThroughOutlet(access.ModelAccess):
    def view(self, scope, f):
        return access.rule_condition(Outlet, scope, "view", prefix=f("outlet__"))

    def change(self, scope, f):
        return access.rule_condition(Outlet, scope, "change", prefix=f("outlet__"))


@access.register(OutletEquipment)
class OutletEquipmentAccess(_ThroughOutlet):
    pass


@access.register(OutletPhoto)
class OutletPhotoAccess(_ThroughOutlet):
    policy_fields = ()
