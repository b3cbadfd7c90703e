"""Demo data of the dictionaries: the geography of Russia."""

from crm.refs.data import geography
from crm.refs.models import City, Country, FederalDistrict, Region


def seed(*, scale: str) -> dict[str, int]:
    """Create or update the geography by external code; safe to run again."""
    country, _ = Country.objects.update_or_create(
        iso_code=geography.COUNTRY["iso_code"],
        defaults={"name": geography.COUNTRY["name"], "external_code": "RU"},
    )
    districts = {}
    for suffix, name in geography.DISTRICTS:
        districts[suffix], _ = FederalDistrict.objects.update_or_create(
            external_code=f"RU-FD-{suffix}", defaults={"name": name, "country": country}
        )
    cities = 0
    for district, code, name, city_names in geography.REGIONS:
        region, _ = Region.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "district": districts[district],
                "external_code": f"RU-{code}",
            },
        )
        for index, city_name in enumerate(city_names, start=1):
            City.objects.update_or_create(
                region=region,
                name=city_name,
                defaults={"external_code": f"RU-{code}-{index:03d}"},
            )
            cities += 1
    return {"regions": len(geography.REGIONS), "cities": cities}
