"""Demo data of the dictionaries: the geography of Russia from crm/refs/data/geography.json."""

from crm.refs import data
from crm.refs.models import City, Country, FederalDistrict, Region


def seed(*, scale: str) -> dict[str, int]:
    """Create or update the geography on natural keys; a second run changes nothing.

    Keys: the country's ISO code, the district's name within the country, the region's subject
    code, the city's name within its region. External codes are updated to the file's values.
    """
    geo = data.geography()
    spec = geo["country"]
    country, _ = Country.objects.update_or_create(
        iso_code=spec["iso_code"],
        defaults={"name": spec["name"], "external_code": spec["external_code"]},
    )
    districts = {}
    for spec in geo["federal_districts"]:
        districts[spec["external_code"]], _ = FederalDistrict.objects.update_or_create(
            country=country, name=spec["name"], defaults={"external_code": spec["external_code"]}
        )
    cities = 0
    for spec in geo["regions"]:
        region, _ = Region.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "district": districts[spec["federal_district"]],
                "external_code": spec["external_code"],
            },
        )
        for city in spec["cities"]:
            City.objects.update_or_create(
                region=region, name=city["name"], defaults={"external_code": city["external_code"]}
            )
            cities += 1
    return {
        "federal_districts": len(districts),
        "regions": len(geo["regions"]),
        "cities": cities,
    }
