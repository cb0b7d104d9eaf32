"""The gazetteer: what an operator types mid-call finds the place; the packs' place names."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from routing import LonLat, Region
from routing.errors import RegionPackError
from routing.geo import BBox
from routing.places import PLACES_FILE, Gazetteer, Place, normalise, read_places, write_places

BOX = BBox(109.0, -7.6, 109.5, -7.2)
PLACES = [
    Place("district", "Purwokerto Timur", LonLat(109.25, -7.42)),
    Place("village", "Karangsari", LonLat(109.10, -7.50), "Kebasen"),
    Place("village", "Karangasri", LonLat(109.12, -7.51), "Kebasen"),
    Place("street", "Jl. Merdeka", LonLat(109.24, -7.41), "Kota Purwa"),
    Place("street", "Jl. Merdeka", LonLat(109.11, -7.50), "Kebasen Asri"),
    Place("street", "Gang Melati III", LonLat(109.241, -7.411), "Kota Purwa"),
    Place("landmark", "Pasar Wage", LonLat(109.243, -7.412), "Kota Purwa"),
    Place("hospital", "RSUD Prof. Dr. Margono Soekarjo", LonLat(109.23, -7.43), "Kota Purwa"),
    Place("puskesmas", "Puskesmas Kebasen", LonLat(109.105, -7.505), "Kebasen"),
]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(PLACES)


def names(found: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(m.place.name, m.place.area) for m in found]


def test_words_are_read_as_an_operator_types_them() -> None:
    assert normalise("Jln. Merdeka, Gg. Melati") == ["jl", "merdeka", "gg", "melati"]
    assert normalise("Rumah Sakit Umum") == ["rs", "umum"]
    assert normalise("PKM Kebasen") == ["puskesmas", "kebasen"]
    assert normalise("Cilacap—Purwokerto (lama)") == ["cilacap", "purwokerto", "lama"]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("karangsari", ("Karangsari", "Kebasen")),  # a village by its whole name
        ("karangs", ("Karangsari", "Kebasen")),  # begun
        ("merdeka purwa", ("Jl. Merdeka", "Kota Purwa")),  # a street told apart by its area
        ("jalan merdeka kebasen", ("Jl. Merdeka", "Kebasen Asri")),
        ("gang melati", ("Gang Melati III", "Kota Purwa")),  # gg / gang
        ("rumah sakit margono", ("RSUD Prof. Dr. Margono Soekarjo", "Kota Purwa")),
        ("pkm kebasen", ("Puskesmas Kebasen", "Kebasen")),
        ("pasar wage", ("Pasar Wage", "Kota Purwa")),
        ("purwokerto", ("Purwokerto Timur", "")),
        ("margno", ("RSUD Prof. Dr. Margono Soekarjo", "Kota Purwa")),  # misspelt
        ("psar wage", ("Pasar Wage", "Kota Purwa")),
    ],
)
def test_a_place_is_found_by_what_the_caller_says(
    gazetteer: Gazetteer, query: str, first: tuple[str, str]
) -> None:
    found = gazetteer.search(query)
    assert found, query
    assert names(found)[0] == first


def test_whole_words_of_the_name_beat_words_of_the_area_and_misspellings(
    gazetteer: Gazetteer,
) -> None:
    found = gazetteer.search("merdeka purwa")
    assert found[0].score > found[-1].score or len(found) == 1
    exact = gazetteer.search("karangsari")
    assert names(exact)[0] == ("Karangsari", "Kebasen") and exact[0].score == 100.0
    # The one letter apart is offered too (the caller may have said it either way), below.
    near = gazetteer.search("karangasri")
    assert names(near)[0] == ("Karangasri", "Kebasen")


def test_nothing_found_is_an_empty_list_and_kinds_filter(gazetteer: Gazetteer) -> None:
    assert gazetteer.search("xqzzy") == []
    assert gazetteer.search("   ") == []
    assert gazetteer.search("jl merdeka", kinds=["village"]) == []
    both = gazetteer.search("merdeka", limit=10)
    assert Counter(m.place.name for m in both)["Jl. Merdeka"] == 2
    assert len(gazetteer.search("a", limit=2)) <= 2
    assert Gazetteer([]).search("merdeka") == []
    assert Gazetteer([]).nearest(LonLat(109.2, -7.4)) is None


def test_the_nearest_place_and_its_distance(gazetteer: Gazetteer) -> None:
    found = gazetteer.nearest(LonLat(109.2431, -7.4121))
    assert found is not None
    place, distance_m = found
    assert place.name == "Pasar Wage" and distance_m == pytest.approx(15, abs=5)
    found = gazetteer.nearest(LonLat(109.2431, -7.4121), kinds=["village"])
    assert found is not None and found[0].name == "Karangasri"  # the nearer of the two


def test_places_file_round_trip_and_refusals(tmp_path: Path) -> None:
    write_places(tmp_path, PLACES)
    assert sorted(read_places(tmp_path, BOX), key=str) == sorted(PLACES, key=str)
    text = (tmp_path / PLACES_FILE).read_text(encoding="utf-8")
    (tmp_path / PLACES_FILE).write_text(text + "river,Sungai,109.2,-7.4,\n", encoding="utf-8")
    with pytest.raises(RegionPackError, match="kind must be one of"):
        read_places(tmp_path, BOX)
    (tmp_path / PLACES_FILE).write_text(text + "village,Jauh,110.5,-7.4,\n", encoding="utf-8")
    with pytest.raises(RegionPackError, match="outside the region"):
        read_places(tmp_path, BOX)
    assert read_places(tmp_path / "none", BOX) == []


def test_the_demo_pack_names_every_kind_of_place_on_its_roads(demo: Region, demo_dir: Path) -> None:
    assert demo.meta.synthetic  # the names are invented, and the pack says so
    places = read_places(demo_dir, demo.meta.bbox)
    kinds = Counter(p.kind for p in places)
    assert set(kinds) == {"district", "village", "street", "landmark", "hospital", "puskesmas"}
    assert kinds["village"] > 100 and kinds["street"] > 100
    for p in places[::7]:
        assert demo.snap(p.location).distance_m < 60, p  # on a road, or beside it
    # The same street name in several towns: each with its town, so it can be told apart.
    sudirman = [p for p in places if p.name == "Jl. Jend. Sudirman"]
    assert len(sudirman) > 1 and len({p.area for p in sudirman}) == len(sudirman)
    gazetteer = Gazetteer(places)
    assert names(gazetteer.search("sudirman kota purwa"))[0] == ("Jl. Jend. Sudirman", "Kota Purwa")
    river = [f for f in (demo.features or {})["features"] if f["properties"]["kind"] == "river"]
    assert len(river) == 1  # drawn on the map


def test_an_osm_import_names_streets_villages_landmarks_and_rivers(
    osm_regions: dict[str, Region],
) -> None:
    region = osm_regions["city"]
    assert region.directory is not None
    places = {(p.kind, p.name) for p in read_places(region.directory, region.meta.bbox)}
    assert {
        ("village", "Desa Karangwangi"),  # place=village at the end of the rural road
        ("village", "Kelurahan Contoh Lor"),  # place=suburb
        ("landmark", "Pasar Kota Contoh"),  # a node
        ("landmark", "Masjid Agung Contoh"),  # a closed way, at its middle
        ("puskesmas", "Puskesmas Contoh Utara"),  # healthcare=centre
        ("street", "Jalan Sudirman"),  # merged ways of several names and classes
        ("street", "Gang Buntu"),  # the self-loop street
        ("hospital", "RSUD Kota Contoh"),
    } <= places
    assert not {name for _, name in places} & {"Desa Jauh Sekali", "Klinik Sehat"}
    rivers = [f for f in (region.features or {})["features"] if f["properties"]["kind"] == "river"]
    assert [f["properties"]["name"] for f in rivers] == ["Sungai Contoh"]
    found = Gazetteer(read_places(region.directory, region.meta.bbox)).search("psar contoh")
    assert found and found[0].place.name == "Pasar Kota Contoh"
