"""Reference data: GB/T 2260 districts of Chongqing, business districts, NBS retail
categories, code lists and the digital-consumption taxonomy, each file naming its source.

    >>> from cockpit import reference
    >>> reference.district("500228").name_zh   # a retired code maps to the current one
    '梁平区'
    >>> len(reference.districts())
    38
"""

from cockpit.reference.loaders import (
    CITY_CODE,
    CITY_NAME_EN,
    CITY_NAME_ZH,
    BusinessDistrict,
    Category,
    Code,
    District,
    ReferenceError,
    business_districts,
    categories,
    categories_in,
    category,
    channels,
    current_district_code,
    district,
    district_renames,
    districts,
    payer_segments,
    payment_methods,
    source_of,
)
from cockpit.reference.taxonomy import DIGITAL_TYPES, Taxonomy, digital_taxonomy, parse_taxonomy

__all__ = [
    "CITY_CODE",
    "CITY_NAME_EN",
    "CITY_NAME_ZH",
    "DIGITAL_TYPES",
    "BusinessDistrict",
    "Category",
    "Code",
    "District",
    "ReferenceError",
    "Taxonomy",
    "business_districts",
    "categories",
    "categories_in",
    "category",
    "channels",
    "current_district_code",
    "digital_taxonomy",
    "district",
    "district_renames",
    "districts",
    "parse_taxonomy",
    "payer_segments",
    "payment_methods",
    "source_of",
]
